"""Board pages (``leaderboards/global/`` and ``regional/{cc}/``) served from a rendering cached in
each web process, keyed by the boards' version (``ranking.leaderboard.version_key``).

Staleness bound: a cached page is served without asking Redis for at most
``RANKING_BOARD_PAGE_SECONDS`` (1 s by default); after that the version is read (one GET) and
the page is rendered again when it moved — any write to the sets moves it, and so does a change
of what a row shows besides the rating (display name, avatar, privacy, country:
``pages_changed``). So a rating change shows on every page within that bound, and a page shows
the ranks of one snapshot of the sets, the ones ``leaderboards/me/`` and ``ratings/{id}/`` read
live. Without Redis, while it fails or before the sets are built every request renders from
SQL, uncached.
"""

import threading
import time

import redis
from django.conf import settings

from ranking import boards, leaderboard

MAX_PAGES = 512  # cached renderings per process (pages beyond the first few are rarely asked)
PAGE_FIELDS = frozenset({"display_name", "avatar_url", "is_public", "country"})

_pages: dict[tuple, tuple[str, float, dict]] = {}  # key -> (version, checked at, body)
_lock = threading.Lock()


def _staleness() -> float:
    return settings.RANKING_BOARD_PAGE_SECONDS


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
    key = (country, offset, limit)
    now = time.monotonic()
    cached = _pages.get(key)
    if cached is not None and now - cached[1] < _staleness():
        return cached[2]
    version = _version()
    if version is None:
        return boards.leaderboard_page(country=country, offset=offset, limit=limit)
    if cached is not None and cached[0] == version:
        body = cached[2]
    else:  # read after the version: a change during the rendering re-renders next time
        body = boards.leaderboard_page(country=country, offset=offset, limit=limit)
    with _lock:
        if len(_pages) >= MAX_PAGES and key not in _pages:
            _pages.clear()
        _pages[key] = (version, now, body)
    return body


def pages_changed(changed_fields) -> None:
    """A profile change that shows on board pages re-renders them (on their next check)."""
    if PAGE_FIELDS & set(changed_fields or ()):
        leaderboard.version_bump()


def pages_forget() -> None:
    """Drop this process's renderings (tests)."""
    with _lock:
        _pages.clear()
