"""A shared raw Redis client for data structures the cache API lacks (sorted sets, atomic
counters). ``None`` when REDIS_URL is not set: callers then use their SQL/local fallback."""

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=1,
        socket_timeout=1,
        health_check_interval=30,
        decode_responses=True,
    )


def rkey(*parts) -> str:
    """A raw Redis key in this deployment's namespace (CACHE_KEY_PREFIX), e.g. rkey("lb", "global")."""
    return ":".join([settings.CACHE_KEY_PREFIX, *map(str, parts)])
