"""Cache keys of ranking reads (``{service}:{entity}:{id}``), invalidated on every rating change."""

from django.conf import settings

from core.cache import cache_key


def ttl() -> int:
    return getattr(settings, "RANKING_CACHE_SECONDS", 30)


def rating_key(user_id) -> str:
    return cache_key("ranking", "rating", user_id)


def stats_key(user_id) -> str:
    return cache_key("ranking", "stats", user_id)


def rating_cache_keys(user_id) -> tuple[str, str]:
    return rating_key(user_id), stats_key(user_id)
