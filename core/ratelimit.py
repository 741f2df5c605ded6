"""Fixed-window attempt limits shared by every web process (login, 2FA, password reset, the
game server's token), and the client IP they count against.

A window opens with the first attempt: ``INCR`` and, on the first hit, ``PEXPIRE`` in one Lua
script on Redis (atomic, so 20 parallel requests get exactly ``limit`` answers). Without Redis
(the embedded default, one process) and while Redis does not answer, the windows live in this
process's memory instead: the limits never fail open, they only stop being shared between
processes during an outage (each process then allows up to ``limit`` on its own). The outage is
logged once per ``OUTAGE_LOG_INTERVAL_SECONDS``.
"""

import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from core.errors import RateLimited
from core.outage import outage_report
from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)

_HIT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""
_PEEK = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return {n, redis.call('PTTL', KEYS[1])}
"""
# Give back one reserved attempt, never creating a key (a DECR on an expired key would leave a
# negative counter without expiry).
_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"5/60"``: 5 attempts per 60 seconds."""
        limit, _, window = text.partition("/")
        rate = cls(int(limit), int(window))
        if rate.limit < 1 or rate.window < 1:
            raise ValueError(f"Bad rate {text!r}: both numbers must be positive.")
        return rate


class MemoryWindows:
    """Fixed windows in this process's memory, bounded in size (a spray of distinct keys drops
    the windows that closed first, then the oldest)."""

    max_keys = 100_000

    def __init__(self):
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}

    def hit(self, key: str, window: int) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, until = self._windows.get(key, (0, 0.0))
            if until <= now:
                count, until = 0, now + window
            self._windows[key] = (count + 1, until)
            if len(self._windows) > self.max_keys:
                self._prune(now)
            return count + 1, until - now

    def peek(self, key: str) -> tuple[int, float]:
        now = time.monotonic()
        with self._lock:
            count, until = self._windows.get(key, (0, 0.0))
            return (count, until - now) if until > now else (0, 0.0)

    def release(self, key: str) -> None:
        with self._lock:
            count, until = self._windows.get(key, (0, 0.0))
            if count > 0 and until > time.monotonic():
                self._windows[key] = (count - 1, until)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def _prune(self, now: float) -> None:
        for key in [k for k, (_, until) in self._windows.items() if until <= now]:
            del self._windows[key]
        while len(self._windows) > self.max_keys * 0.9:
            del self._windows[next(iter(self._windows))]


memory_windows = MemoryWindows()


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT = N`` the Nth ``X-Forwarded-For`` entry
    from the right (the address our outermost trusted proxy saw). An IPv6 client counts as its
    /64, which one subscriber usually holds whole."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(scope: str, ident: str) -> str:
    return rkey("rl", scope, ident)


def _run(script: str, key: str, *args, fallback):
    """``script`` on Redis; ``fallback()`` (the memory windows) without Redis or when it fails."""
    client = get_redis()
    if client is None:
        return fallback()
    try:
        return client.eval(script, 1, key, *args)
    except (RedisError, OSError) as exc:
        outage_report(logger, "Redis (rate limits)", exc, "counting in this process instead")
        return fallback()


def _refuse(count: int, limit: int, retry_after: float, code: str) -> None:
    if count > limit:
        raise RateLimited(
            math.ceil(max(retry_after, 1)), "Too many attempts. Try again later.", code=code
        )


def count(scope: str, ident: str, limit: Rate) -> tuple[int, int]:
    """Count one attempt: (attempts in this window so far, milliseconds until it closes)."""
    key = _key(scope, ident)
    count, ttl = _run(
        _HIT, key, limit.window * 1000, fallback=lambda: _ms(memory_windows.hit(key, limit.window))
    )
    return int(count), int(ttl)


def hit(scope: str, ident: str, limit: Rate, *, code: str = "RATE_LIMITED") -> None:
    """Count one attempt; past the limit raise 429 ``code`` with Retry-After."""
    attempts, ttl = count(scope, ident, limit)
    _refuse(attempts, limit.limit, ttl / 1000, code)


def check(scope: str, ident: str, limit: Rate, *, code: str = "RATE_LIMITED") -> None:
    """Raise 429 when ``limit`` attempts were already counted in this window (counts nothing:
    for limits on failures, counted afterwards with ``hit``)."""
    key = _key(scope, ident)
    count, ttl = _run(_PEEK, key, fallback=lambda: _ms(memory_windows.peek(key)))
    _refuse(int(count) + 1, limit.limit, int(ttl) / 1000, code)


def release(scope: str, ident: str) -> None:
    """Give back the attempt counted by ``hit`` (it turned out not to be a failure)."""
    key = _key(scope, ident)
    _run(_RELEASE, key, fallback=lambda: memory_windows.release(key))


def _ms(result: tuple[int, float]) -> tuple[int, float]:
    count, seconds = result
    return count, seconds * 1000
