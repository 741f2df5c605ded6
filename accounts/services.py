"""Write-side account logic: registration, login (rate limits, 2FA), token rotation, logout,
password change, deactivation. Password reset lives in ``password_reset``, 2FA devices in
``two_factor``."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.models import Device
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import auth_cache, ratelimit, revocation, two_factor
from accounts.errors import (
    EmailTaken,
    InvalidCredentials,
    TokenBodyExpired,
    TokenRefused,
    TwoFactorInvalid,
    TwoFactorRequired,
)
from accounts.models import TokenFamily, User, normalize_email
from accounts.signals import user_deactivated, user_reactivated, user_registered
from accounts.tokens import FAMILY_CLAIM, issue_tokens, refresh_payload
from core.errors import ValidationFailed

security_logger = logging.getLogger("accounts.security")


def password_check(*, password: str, user: User | None = None, field: str = "password") -> None:
    """Django's password validators; failures are a 400 with the messages under ``field``."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "Password is too weak.", details={field: list(exc.messages)}
        ) from exc


def user_register(*, email: str, password: str, **fields) -> User:
    """Create the user in one transaction with what other apps attach to it (``user_registered``
    receivers: the profile, from ``display_name``); the database guards email case."""
    email = normalize_email(email)
    password_check(password=password, user=User(email=email))
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            user_registered.send(sender=User, user=user, fields=fields)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def user_login_tokens(*, user: User) -> dict[str, str]:
    update_last_login(None, user)
    return issue_tokens(user)


def user_authenticate(
    *, email: str, password: str, totp_code: str = "", client_ip: str, request=None
) -> tuple[User, Device | None]:
    """Check the limits, the password and (when on) the second factor: the user and the OTP
    device that verified them (None without 2FA). The API login and the admin login both go
    through here, so they share the limits.

    Every attempt counts against the client IP. Against the account, an attempt reserves one
    "failure" before the password is checked (atomic: parallel guesses cannot exceed the limit)
    and gives it back when it turns out not to be one. Not atomic as a whole on purpose: the
    counters and django-otp's failure records must survive the error response."""
    ratelimit.hit("login-ip", client_ip, ratelimit.rate("login_ip"))
    account = ratelimit.account_ident(email)
    ratelimit.hit("login-account", account, ratelimit.rate("login_account"))
    # ModelBackend hashes the password even for an unknown email (no timing difference).
    user = authenticate(request, email=normalize_email(email), password=password)
    if user is None:
        raise InvalidCredentials()
    device = None
    if two_factor.two_factor_enabled(user):
        if not totp_code:
            ratelimit.release("login-account", account)
            raise TwoFactorRequired()
        device = two_factor.code_verify(user=user, code=totp_code)
        if device is None:
            raise TwoFactorInvalid()
    ratelimit.release("login-account", account)
    return user, device


def user_login(
    *, email: str, password: str, totp_code: str = "", client_ip: str, request=None
) -> tuple[User, dict[str, str]]:
    """``user_authenticate``, then a new token family."""
    user, _ = user_authenticate(
        email=email, password=password, totp_code=totp_code, client_ip=client_ip, request=request
    )
    return user, user_login_tokens(user=user)


def _refresh_claims(raw: str, *, allow_expired: bool = False) -> dict:
    try:
        return refresh_payload(raw, allow_expired=allow_expired)
    except ExpiredTokenError as exc:
        raise TokenBodyExpired() from exc
    except TokenError as exc:
        raise TokenRefused() from exc


def refresh_rotate(*, raw_refresh: str) -> dict[str, str]:
    """Blacklist the presented refresh token and issue the next pair of its family.

    The family row is locked, so of two parallel uses of one token only one wins. Presenting a
    token the family has already rotated past is reuse: the family is revoked (its refresh token
    and every access token carrying its id), logged as a security event, and answered 401 —
    except for the token rotated last within ``AUTH_REFRESH_REUSE_GRACE_SECONDS`` of its rotation
    (two tabs refreshing at once), which is refused without revoking anything."""
    claims = _refresh_claims(raw_refresh)
    tokens, revoked = _rotate(claims)
    if revoked is not None:
        security_logger.warning(
            "Refresh token reuse: token family %s of user %s revoked",
            revoked.pk,
            revoked.user_id,
            extra={"event": "refresh_token_reuse", "user_id": str(revoked.user_id)},
        )
        raise TokenRefused("Refresh token reuse detected: this session has been revoked.")
    return tokens


@transaction.atomic
def _rotate(claims: dict) -> tuple[dict[str, str], None] | tuple[None, TokenFamily]:
    """The new pair, or ``(None, family)`` when reuse revoked the family (committed before the
    caller answers 401). Raises ``TokenRefused`` for every other dead token."""
    family_id = claims.get(FAMILY_CLAIM)
    family = (
        TokenFamily.objects.select_for_update().filter(pk=family_id).first() if family_id else None
    )
    if family is None or family.revoked_at is not None:
        raise TokenRefused()
    if claims["jti"] != family.current_jti:
        if _rotated_just_now(family, claims["jti"]):
            raise TokenRefused(
                "This refresh token was just rotated by another request; use the newest one."
            )
        revocation.family_revoke(family=family, reason=TokenFamily.Revoked.REUSE)
        return None, family
    outstanding = OutstandingToken.objects.filter(jti=claims["jti"]).order_by().first()
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenRefused()
    user = User.objects.filter(pk=claims["user_id"], is_active=True).first()
    if user is None or revocation.issued_before_cutoff(user, claims):
        raise TokenRefused()
    BlacklistedToken.objects.create(token=outstanding)
    return issue_tokens(user, family=family), None


def _rotated_just_now(family: TokenFamily, jti: str) -> bool:
    """The token the family rotated last, presented again within the grace window."""
    grace = timedelta(seconds=settings.AUTH_REFRESH_REUSE_GRACE_SECONDS)
    return (
        jti == family.previous_jti
        and family.rotated_at is not None
        and timezone.now() - family.rotated_at <= grace
    )


@transaction.atomic
def user_logout(*, user: User, access_token, raw_refresh: str) -> None:
    """The given refresh token (it must be the caller's; an expired or already revoked one is
    accepted, it is dead anyway) and the access token of this call stop working at once."""
    claims = _refresh_claims(raw_refresh, allow_expired=True)
    if str(claims["user_id"]) != str(user.pk):
        raise TokenRefused("The refresh token does not belong to this user.")
    revocation.blacklist_refresh_jti(str(claims["jti"]))
    family = TokenFamily.objects.select_for_update().filter(pk=claims.get(FAMILY_CLAIM)).first()
    if family is not None:
        revocation.family_revoke(family=family, reason=TokenFamily.Revoked.LOGOUT)
    revocation.deny_access_token(user=user, token=access_token)


def user_logout_all(*, user: User) -> None:
    revocation.revoke_all_sessions(user=user)


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Check the current password (wrong guesses count against the account like logins do),
    validate and set the new one, and revoke every session."""
    account = ratelimit.account_ident(user.email)
    ratelimit.hit("login-account", account, ratelimit.rate("login_account"))
    if not user.check_password(old_password):
        raise ValidationFailed(
            "The current password is wrong.",
            details={"old_password": ["The current password is wrong."]},
        )
    ratelimit.release("login-account", account)
    password_check(password=new_password, user=user, field="new_password")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        revocation.revoke_all_sessions(user=locked)


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """The user can no longer sign in and every token of theirs stops working at once;
    ``user_deactivated`` goes out after commit."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    revocation.revoke_all_sessions(user=user)
    user_id = user.pk
    transaction.on_commit(lambda: user_deactivated.send(sender=User, user_id=user_id))


@transaction.atomic
def user_reactivate(*, user: User) -> None:
    """Let a deactivated user sign in again (old tokens stay revoked); ``user_reactivated`` goes
    out after commit."""
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    auth_cache.user_changed(user.pk)
    user_id = user.pk
    transaction.on_commit(lambda: user_reactivated.send(sender=User, user_id=user_id))
