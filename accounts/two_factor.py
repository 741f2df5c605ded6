"""TOTP two-factor authentication on django-otp's devices.

One TOTP device per user: unconfirmed while set up, confirmed by a first valid code (2FA on).
On confirmation the user also gets ten single-use recovery codes (a django-otp static device).
django-otp refuses a TOTP code at or before the last verified time step, so a code works once;
the device row is locked while a code is checked so two parallel requests cannot both use it.
"""

import base64
import io
import re
from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import ratelimit
from accounts.errors import (
    TwoFactorAlreadyEnabled,
    TwoFactorInvalid,
    TwoFactorNotEnabled,
    TwoFactorNotSetUp,
)
from core.errors import RateLimited

RECOVERY_CODE_COUNT = 10
_TOTP_CODE = re.compile(r"^\d{6}$")
_RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_url: str
    qr_code: str


def two_factor_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def qr_svg_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def totp_setup(*, user) -> TotpSetup:
    """A new pending secret (replacing any earlier pending one); refused once 2FA is on."""
    _lock_user(user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise TwoFactorAlreadyEnabled()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    url = device.config_url
    return TotpSetup(
        secret=b32encode(device.bin_key).decode(), otpauth_url=url, qr_code=qr_svg_data_uri(url)
    )


def _lock_user(user) -> None:
    """2FA state changes of one user happen one at a time (setup, confirm, reset)."""
    type(user).objects.select_for_update().filter(pk=user.pk).exists()


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttle_check(device) -> None:
    """django-otp's per-device back-off after failures (1 s, 2 s, 4 s ...) as a 429."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        wait = (data["locked_until"] - timezone.now()).total_seconds()
        raise RateLimited(
            wait + 1, "Too many wrong codes. Try again later.", code="AUTH_RATE_LIMITED"
        )


def _verify_totp(device: TOTPDevice, code: str) -> bool:
    _throttle_check(device)
    return device.verify_token(code)


def _verify_recovery(user, code: str) -> StaticDevice | None:
    device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return None
    _throttle_check(device)
    return device if device.verify_token(code) else None  # deletes the matching code: single use


def code_verify(*, user, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``code`` — a current TOTP code (each accepted once) or an unused
    recovery code of a user with 2FA on — or None.

    Commits on its own (failure counters and used codes must stick even though the caller then
    raises): do not call it inside a transaction that will roll back."""
    code = _normalise(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return None
        if _TOTP_CODE.match(code):
            return device if _verify_totp(device, code) else None
        if _RECOVERY_CODE.match(code):
            return _verify_recovery(user, code)
        return None


def _limited(*, user, client_ip: str, check):
    """2FA codes are limited like logins: every call per IP, wrong codes per account."""
    ratelimit.hit("2fa-ip", client_ip, ratelimit.rate("two_factor_ip"))
    ident = str(user.pk)
    ratelimit.hit("2fa-account", ident, ratelimit.rate("two_factor_account"))
    result = check()
    if result:
        ratelimit.release("2fa-account", ident)
    return result


def two_factor_enable(*, user, code: str, client_ip: str) -> list[str]:
    """Confirm the pending device with a first code: 2FA on; returns the recovery codes."""
    codes = _limited(
        user=user, client_ip=client_ip, check=lambda: _totp_confirm(user=user, code=code)
    )
    if not codes:
        raise TwoFactorInvalid()
    return codes


def two_factor_disable(*, user, code: str, client_ip: str) -> None:
    """Turn 2FA off; needs a valid TOTP or recovery code."""
    if not two_factor_enabled(user):
        raise TwoFactorNotEnabled()
    if not _limited(
        user=user, client_ip=client_ip, check=lambda: code_verify(user=user, code=code)
    ):
        raise TwoFactorInvalid()
    two_factor_reset(user=user)


def _totp_confirm(*, user, code: str) -> list[str] | None:
    """Turn 2FA on with a code from the pending device; returns the new recovery codes, or None
    when the code is wrong."""
    code = _normalise(code)
    with transaction.atomic():
        _lock_user(user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise TwoFactorAlreadyEnabled()
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise TwoFactorNotSetUp()
        if not _TOTP_CODE.match(code) or not _verify_totp(device, code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _recovery_codes_replace(user=user)


def _recovery_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in sorted(codes)])
    return sorted(codes)


@transaction.atomic
def two_factor_reset(*, user) -> None:
    """Remove every OTP device of the user (2FA off, recovery codes gone)."""
    _lock_user(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
