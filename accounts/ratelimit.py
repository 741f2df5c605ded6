"""Login, 2FA and password-reset rate limits, shared by every web process.

A fixed window that opens with the first attempt: ``INCR`` and, on the first hit, ``PEXPIRE`` in
one Lua script on Redis (atomic, so 20 parallel requests get exactly ``limit`` answers), or
``cache.add`` + ``cache.incr`` on Django's cache without Redis (the embedded default, one process).
When the store is down the limits fail open (logged): an outage must not lock everyone out.
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from core.errors import RateLimited
from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)

CODE = "AUTH_RATE_LIMITED"

_HIT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
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


def rate(name: str) -> Rate:
    """A rate from ``settings.AUTH_RATE_LIMITS`` (login_ip, login_account, ...)."""
    return Rate.parse(settings.AUTH_RATE_LIMITS[name])


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


def account_ident(email: str) -> str:
    """Per-account counters are keyed by a digest of the normalised email, whether or not such
    an account exists (same behaviour either way, and no addresses in Redis)."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def _cache_key(scope: str, ident: str) -> str:
    return f"accounts:ratelimit:{scope}:{ident}"


def _count_in_redis(client, key: str, window: int) -> tuple[int, float]:
    count, ttl_ms = client.eval(_HIT, 1, key, window * 1000)
    return int(count), int(ttl_ms) / 1000


def _count_in_cache(key: str, window: int) -> tuple[int, float]:
    now = time.time()
    for _ in range(3):
        cache.add(f"{key}:until", now + window, window)
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: open a new window
            continue
        until = cache.get(f"{key}:until") or now + window
        return count, until - now
    raise RuntimeError("rate-limit counter kept expiring")


def hit(scope: str, ident: str, limit: Rate) -> None:
    """Count one attempt; raise 429 ``AUTH_RATE_LIMITED`` (with Retry-After) past the limit."""
    client = get_redis()
    try:
        if client is not None:
            count, retry_after = _count_in_redis(
                client, rkey("auth", "rl", scope, ident), limit.window
            )
        else:
            count, retry_after = _count_in_cache(_cache_key(scope, ident), limit.window)
    except (RedisError, OSError, RuntimeError):
        logger.warning("Rate limit %s: store unavailable, attempt allowed", scope, exc_info=True)
        return
    if count > limit.limit:
        raise RateLimited(
            math.ceil(max(retry_after, 1)),
            "Too many attempts. Try again later.",
            code=CODE,
        )


def release(scope: str, ident: str) -> None:
    """Give back the attempt counted by ``hit`` (it turned out not to be a failure)."""
    client = get_redis()
    try:
        if client is not None:
            client.eval(_RELEASE, 1, rkey("auth", "rl", scope, ident))
        else:
            cache.decr(_cache_key(scope, ident))
    except ValueError:
        pass  # the window expired meanwhile: nothing to give back
    except (RedisError, OSError):
        logger.warning("Rate limit %s: store unavailable on release", scope, exc_info=True)
