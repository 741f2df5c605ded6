"""Login, 2FA and password-reset rate limits (AUTH_RATE_LIMITS) on the shared limiter of
``core.ratelimit``: fixed windows in Redis, in this process's memory while Redis is down."""

import hashlib

from django.conf import settings

from core import ratelimit
from core.ratelimit import Rate, client_ip

__all__ = ["CODE", "Rate", "account_ident", "client_ip", "hit", "rate", "release"]

CODE = "AUTH_RATE_LIMITED"


def rate(name: str) -> Rate:
    """A rate from ``settings.AUTH_RATE_LIMITS`` (login_ip, login_account, ...)."""
    return Rate.parse(settings.AUTH_RATE_LIMITS[name])


def account_ident(email: str) -> str:
    """Per-account counters are keyed by a digest of the normalised email, whether or not such
    an account exists (same behaviour either way, and no addresses in Redis)."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def hit(scope: str, ident: str, limit: Rate) -> None:
    """Count one attempt; raise 429 ``AUTH_RATE_LIMITED`` (with Retry-After) past the limit."""
    ratelimit.hit(f"auth-{scope}", ident, limit, code=CODE)


def release(scope: str, ident: str) -> None:
    """Give back the attempt counted by ``hit`` (it turned out not to be a failure)."""
    ratelimit.release(f"auth-{scope}", ident)
