"""Revocation of tokens: the one place that decides whether a token still works.

* Per user, ``tokens_valid_after``: every access *and* refresh token issued before it is refused
  (logout-all, password change and reset, deactivation). Outstanding refresh tokens are also put
  on simplejwt's blacklist, so the refresh endpoint refuses them on either ground.
* Per login, the token family (``TokenFamily``; the ``fam`` claim of its refresh and access
  tokens): revoked on logout and when a rotated refresh token is presented again (reuse), which
  kills the family's refresh token and every access token carrying its id.
* Per access token, a denylist of ``jti`` values until their ``exp`` (logout).

Denied ``jti`` values and revoked families live in Redis when it is configured (one ``EXISTS``
of both keys per authenticated request) and always in the database (``AccessTokenDenial``,
``TokenFamily.revoked_at``), which is the only store without Redis (the local-memory cache is not
shared between processes) and the fallback when Redis does not answer.

Failure policy (README, "Security model"): revocation never fails open. A Redis read error falls
back to the database copy; a Redis write error leaves the entry in the database and flags the
user (``denylist_in_db_until``) so that their tokens are checked against the database until the
revoked tokens would have expired anyway.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from redis.exceptions import RedisError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import AccessTokenDenial, TokenFamily, User
from accounts.tokens import FAMILY_CLAIM
from core.outage import outage_report
from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)


def _deny_key(jti: str) -> str:
    return rkey("auth", "denied-jti", jti)


def _family_key(family_id: str) -> str:
    return rkey("auth", "revoked-family", family_id)


def issued_before_cutoff(user: User, claims) -> bool:
    """True when the token was issued at or before the user's ``tokens_valid_after``."""
    cutoff = user.tokens_valid_after
    if cutoff is None:
        return False
    issued_at = claims.get("iat")
    if not isinstance(issued_at, int | float):
        return True
    return issued_at <= cutoff.timestamp()


def _revoked_in_db(jti: str, family_id: str | None) -> bool:
    if AccessTokenDenial.objects.filter(jti=jti, expires_at__gt=timezone.now()).exists():
        return True
    return family_id is not None and family_revoked(family_id)


def family_revoked(family_id: str) -> bool:
    return TokenFamily.objects.filter(pk=family_id, revoked_at__isnull=False).exists()


def _family_of(token) -> str | None:
    family_id = token.get(FAMILY_CLAIM)
    return str(family_id) if family_id else None


def redis_keys(token) -> list[str]:
    """The Redis keys whose existence revokes this access token: its ``jti``, its family."""
    family_id = _family_of(token)
    return [_deny_key(str(token.get("jti")))] + ([_family_key(family_id)] if family_id else [])


def is_access_token_revoked(
    user: User, token, *, denied_in_redis: bool | None = None, redis_failed: bool = False
) -> bool:
    """``denied_in_redis``: whether ``redis_keys`` exist, when the caller read them already
    (``accounts.auth_cache``, in the same round trip as the user); ``redis_failed``: the caller's
    Redis read failed, so the database decides."""
    if issued_before_cutoff(user, token):
        return True
    jti, family_id = str(token.get("jti")), _family_of(token)
    client = get_redis()
    if client is None or redis_failed:
        return _revoked_in_db(jti, family_id)
    if user.denylist_in_db_until is not None and user.denylist_in_db_until > timezone.now():
        return _revoked_in_db(jti, family_id)
    if denied_in_redis is not None:
        return denied_in_redis
    try:
        return bool(client.exists(*redis_keys(token)))
    except (RedisError, OSError) as exc:
        outage_report(logger, "Redis (token revocation)", exc, "checking the database")
        return _revoked_in_db(jti, family_id)


def _redis_write_or_flag(*, user_id, key: str, until: datetime) -> None:
    """Write a revocation entry to Redis until ``until``; when Redis fails, flag the user so
    their tokens are checked against the database until then (the database has the entry)."""
    client = get_redis()
    if client is None:
        return
    try:
        client.set(key, "1", exat=int(until.timestamp()) + 1)
    except (RedisError, OSError):
        logger.error("Token revocation: Redis write failed, user %s checked in the DB", user_id)
        User.objects.filter(pk=user_id).update(
            denylist_in_db_until=Greatest(
                Coalesce(F("denylist_in_db_until"), timezone.now()), until
            )
        )
        _cached_user_changed(user_id)


def _cached_user_changed(user_id) -> None:
    from accounts.auth_cache import user_changed  # the cache builds on this module

    user_changed(user_id)


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
    _redis_write_or_flag(user_id=user.pk, key=_deny_key(jti), until=expires_at)


def family_revoke(*, family: TokenFamily, reason: str) -> None:
    """The family's refresh token and every access token carrying its id stop working now.
    The caller holds the family row locked (``select_for_update``)."""
    if family.revoked_at is not None:
        return
    now = timezone.now()
    family.revoked_at, family.revoked_reason = now, reason
    family.save(update_fields=["revoked_at", "revoked_reason"])
    blacklist_refresh_jti(family.current_jti)
    # Access tokens are issued only while the family lives, so none outlives this by more
    # than the access lifetime.
    until = now + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=1)
    _redis_write_or_flag(user_id=family.user_id, key=_family_key(str(family.pk)), until=until)


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
    _cached_user_changed(user.pk)
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
    # A family whose refresh token expired has no live token left (access tokens expire first).
    TokenFamily.objects.filter(expires_at__lte=now).delete()
    return denials + refresh
