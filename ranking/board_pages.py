"""Board pages (``leaderboards/global/`` and ``regional/{cc}/``), ``leaderboards/me/`` and
``ratings/{id}/`` served from a rendering kept in each web process (``core.memo``), keyed by the
boards' build and version (``ranking.leaderboard.built_key`` / ``version_key``) — a rating
answer per player and per kind of viewer (owner, staff, anybody else: what privacy tells apart).

Staleness bound: a kept page is served without asking Redis for at most
``RANKING_BOARD_PAGE_SECONDS`` (1 s by default); after that the version is read (one MGET) and
the page is rendered again when it moved — any write to the sets moves it, and so does a change
of what a row shows besides the rating (display name, avatar, privacy, country:
``pages_changed``); a page is rendered again after ``RANKING_CACHE_SECONDS`` regardless. So a
rating change shows on every page within that bound, and a page shows
the ranks of one snapshot of the sets, the ones ``leaderboards/me/`` and ``ratings/{id}/`` read
live. Without Redis, while it fails or before the sets are built every request renders from
SQL, nothing kept.
"""

import redis
from django.conf import settings

from core.memo import VersionedMemo
from ranking import boards, leaderboard

PAGE_FIELDS = frozenset({"display_name", "avatar_url", "is_public", "country"})

_pages = VersionedMemo(
    lambda: settings.RANKING_BOARD_PAGE_SECONDS, lambda: settings.RANKING_CACHE_SECONDS
)
# Per-player answers apart from the board pages: many players' lookups filling the memo (it
# clears itself when full) must not throw out the few hot board pages.
_players = VersionedMemo(
    lambda: settings.RANKING_BOARD_PAGE_SECONDS,
    lambda: settings.RANKING_CACHE_SECONDS,
    max_entries=4096,
)


def _version() -> str | None:
    """The sets' build (unique per rebuild) and version; None when there is nothing to key a
    rendering by: no Redis, Redis failing, or the sets not built (pages then come from SQL)."""
    client = leaderboard.client_or_none()
    if client is None:
        return None
    try:
        built, version = client.mget(leaderboard.built_key(), leaderboard.version_key())
    except redis.RedisError:
        return None
    return None if built is None else f"{built}:{version or 0}"


def leaderboard_page(*, country: str | None, offset: int, limit: int) -> dict:
    """``boards.leaderboard_page``, at most ``RANKING_BOARD_PAGE_SECONDS`` behind the sets."""
    return _pages.get(
        (country, offset, limit),
        _version,
        lambda: boards.leaderboard_page(country=country, offset=offset, limit=limit),
    )


def _viewer_kind(user_id, viewer) -> str:
    if viewer is None or not viewer.is_authenticated:
        return "other"
    if viewer.is_staff:
        return "staff"
    return "owner" if str(viewer.pk) == str(user_id) else "other"


def rating_detail(*, user_id, viewer) -> dict:
    """``boards.rating_detail`` under the same bound (errors — private, unranked — are not kept)."""
    return _players.get(
        ("rating", str(user_id), _viewer_kind(user_id, viewer)),
        _version,
        lambda: boards.rating_detail(user_id=user_id, viewer=viewer),
    )


def user_rank(*, user) -> dict:
    """``boards.user_rank`` under the same bound."""
    return _players.get(("me", str(user.pk)), _version, lambda: boards.user_rank(user=user))


def pages_changed(changed_fields) -> None:
    """A profile change that shows on board pages re-renders them (on their next check)."""
    if PAGE_FIELDS & set(changed_fields or ()):
        leaderboard.version_bump()


def pages_forget() -> None:
    """Drop this process's renderings (tests)."""
    _pages.clear()
    _players.clear()
