"""2FA state, read from django-otp's confirmed devices."""

from django_otp.plugins.otp_totp.models import TOTPDevice


def two_factor_enabled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
