"""Revocation of access tokens: a per-user "tokens valid after" instant (logout-all, password
change/reset, deactivation) and a denylist of single ``jti`` values until their ``exp``."""

from datetime import UTC, datetime

from django.core.cache import cache

_DENY_PREFIX = "accounts:denied_jti:"


def is_access_token_revoked(user, token) -> bool:
    issued_at = token.get("iat")
    cutoff = user.tokens_valid_after
    # iat has whole seconds: a token from the same second as the cut-off counts as older.
    if cutoff is not None and issued_at is not None and issued_at <= cutoff.timestamp():
        return True
    return cache.get(_DENY_PREFIX + str(token.get("jti"))) is not None


def deny_access_token(token) -> None:
    """Refuse this access token from now until it would have expired anyway."""
    remaining = int(token["exp"] - datetime.now(UTC).timestamp())
    if remaining > 0:
        cache.set(_DENY_PREFIX + str(token["jti"]), 1, remaining + 1)
