"""Revocation of tokens.

* Per user, ``tokens_valid_after``: every access *and* refresh token issued before it is refused
  (logout-all, password change and reset, deactivation). Outstanding refresh tokens are also put
  on simplejwt's blacklist, so the refresh endpoint refuses them on either ground.
* Per access token, a denylist of ``jti`` values until their ``exp`` (logout). The entries live in
  Redis when it is configured (one ``EXISTS`` per authenticated request) and always in the
  ``AccessTokenDenial`` table, which is the only store without Redis (the local-memory cache is
  not shared between processes) and the fallback when Redis does not answer.

Failure policy (README, "Authenticating"): revocation never fails open. A Redis read error falls
back to the database copy; a Redis write error leaves the entry in the database and flags the
user (``denylist_in_db_until``) so that their tokens are checked against the database until the
denied token would have expired anyway.
"""

import logging
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import AccessTokenDenial, User
from core.outage import outage_report
from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)


def _deny_key(jti: str) -> str:
    return rkey("auth", "denied-jti", jti)


def issued_before_cutoff(user: User, claims) -> bool:
    """True when the token was issued at or before the user's ``tokens_valid_after``."""
    cutoff = user.tokens_valid_after
    if cutoff is None:
        return False
    issued_at = claims.get("iat")
    if not isinstance(issued_at, int | float):
        return True
    return issued_at <= cutoff.timestamp()


def _denied_in_db(jti: str) -> bool:
    return AccessTokenDenial.objects.filter(jti=jti, expires_at__gt=timezone.now()).exists()


def is_access_token_revoked(user: User, token) -> bool:
    if issued_before_cutoff(user, token):
        return True
    jti = str(token.get("jti"))
    client = get_redis()
    if client is None:
        return _denied_in_db(jti)
    if user.denylist_in_db_until is not None and user.denylist_in_db_until > timezone.now():
        return _denied_in_db(jti)
    try:
        return bool(client.exists(_deny_key(jti)))
    except (RedisError, OSError) as exc:
        outage_report(logger, "Redis (token revocation)", exc, "checking the database")
        return _denied_in_db(jti)


def deny_access_token(*, user: User, token) -> None:
    """Refuse this access token from now until it would have expired anyway."""
    now = timezone.now()
    expires_at = datetime.fromtimestamp(token["exp"], UTC)
    if expires_at <= now:
        return
    jti = str(token["jti"])
    AccessTokenDenial.objects.filter(expires_at__lte=now).delete()  # keep the table small
    AccessTokenDenial.objects.get_or_create(
        jti=jti, defaults={"user_id": user.pk, "expires_at": expires_at}
    )
    client = get_redis()
    if client is None:
        return
    try:
        client.set(_deny_key(jti), "1", exat=int(expires_at.timestamp()) + 1)
    except (RedisError, OSError):
        logger.error("Token denylist: Redis write failed, user %s checked in the DB", user.pk)
        User.objects.filter(pk=user.pk).update(
            denylist_in_db_until=Greatest(Coalesce(F("denylist_in_db_until"), now), expires_at)
        )


def blacklist_refresh_jti(jti: str) -> None:
    """Put one refresh token on simplejwt's blacklist (idempotent)."""
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


@transaction.atomic
def revoke_all_sessions(*, user: User) -> None:
    """Every token issued so far stops working: access tokens by ``tokens_valid_after``, refresh
    tokens by the blacklist as well (the refresh endpoint checks both)."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(tokens_valid_after=now)
    user.tokens_valid_after = now
    live = OutstandingToken.objects.filter(
        user_id=user.pk, expires_at__gt=now, blacklistedtoken__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


def expired_tokens_prune() -> int:
    """Delete rows of tokens that have expired anyway; returns how many tokens went."""
    now = timezone.now()
    denials, _ = AccessTokenDenial.objects.filter(expires_at__lte=now).delete()
    # Cascades to their BlacklistedToken rows (what simplejwt's flushexpiredtokens does).
    refresh, _ = OutstandingToken.objects.filter(expires_at__lte=now).delete()
    return denials + refresh
