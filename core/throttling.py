"""The default request throttle: a fixed window per caller — the user when authenticated
(``THROTTLE_USER_RATE``), otherwise the client IP (``THROTTLE_ANON_RATE``) — counted with one Lua
script on Redis, so a request costs one round trip and nothing grows with the rate (DRF's own
throttles keep a list of every request's timestamp in the cache: two round trips and a pickled
list of up to ``rate`` floats per request).

Counting and the fallback are ``core.ratelimit``'s: while Redis does not answer (and in the
embedded default without Redis) the windows live in each process's memory, so throttling goes on
per process instead of failing open.
"""

from functools import lru_cache

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core import ratelimit


@lru_cache(maxsize=8)
def parse_rate(text: str) -> ratelimit.Rate:
    """``"120/min"`` (DRF's notation: s, sec, m, min, h, hour, d, day) as a ``Rate``."""
    count, _, period = text.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1]]  # KeyError: bad unit
    rate = ratelimit.Rate(int(count), seconds)
    if rate.limit < 1:
        raise ValueError(f"Bad rate {text!r}: the count must be positive.")
    return rate


class RequestRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            scope, ident, rate = "user", str(user.pk), settings.THROTTLE_USER_RATE
        else:
            scope, ident, rate = "anon", ratelimit.client_ip(request), settings.THROTTLE_ANON_RATE
        limit = parse_rate(rate)
        count, ttl_ms = ratelimit.count(f"throttle-{scope}", ident, limit)
        self._wait = max(ttl_ms / 1000, 1.0)
        return count <= limit.limit

    def wait(self):
        return self._wait
