"""The Django admin site: django-otp's ``OTPAdminSite`` with the API's login rules.

The login form goes through ``services.user_authenticate``, so admin logins share the API
login's per-IP and per-account limits (429 with Retry-After) and its second factor: staff with
2FA on give their TOTP (or recovery) code, and the session is marked verified by that device.
With ``ADMIN_REQUIRE_2FA`` (on unless DEBUG) staff without 2FA are refused, with a message on
turning it on through the API; staff with 2FA always need a verified session.
"""

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django_otp.admin import OTPAdminSite

from accounts import services, two_factor
from accounts.errors import InvalidCredentials, TwoFactorInvalid, TwoFactorRequired
from core.errors import RateLimited
from core.ratelimit import client_ip

SETUP_2FA_MESSAGE = (
    "Staff accounts need two-factor authentication to use the admin. Turn it on through the "
    "API: log in (POST /api/v1/auth/login/), POST /api/v1/auth/2fa/setup/ with the access token, "
    "add the secret to an authenticator app, then POST /api/v1/auth/2fa/verify/ with a code. "
    "Then log in here with a code."
)


def _two_factor_hint(user) -> str:
    """Why a logged-in staff member is sent back to the login page."""
    if not user.is_authenticated or not user.is_staff:
        return ""
    if two_factor.two_factor_enabled(user):
        return "This session was not verified with your two-factor code: log in again with it."
    return SETUP_2FA_MESSAGE if settings.ADMIN_REQUIRE_2FA else ""


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        required=False,
        max_length=32,
        label="Two-factor code",
        help_text="The 6-digit code of your authenticator app, or a recovery code (if 2FA is on).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": "This account has two-factor authentication: enter the code from your "
        "authenticator app (or a recovery code).",
        "otp_invalid": "The two-factor code is wrong, expired or already used.",
        "setup_2fa": SETUP_2FA_MESSAGE,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.rate_limited: RateLimited | None = None

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        try:
            user, device = services.user_authenticate(
                email=email,
                password=password,
                totp_code=self.cleaned_data.get("otp_token") or "",
                client_ip=client_ip(self.request),
                request=self.request,
            )
        except RateLimited as exc:
            self.rate_limited = exc
            raise ValidationError(exc.message, code="rate_limited")
        except InvalidCredentials:
            raise self.get_invalid_login_error()
        except TwoFactorRequired:
            raise self._error("otp_required")
        except TwoFactorInvalid:
            raise self._error("otp_invalid")
        self.confirm_login_allowed(user)  # active staff only
        if device is None and settings.ADMIN_REQUIRE_2FA:
            raise self._error("setup_2fa")
        user.otp_device = device  # django-otp marks the session verified on login
        self.user_cache = user
        return self.cleaned_data

    def _error(self, code: str) -> ValidationError:
        return ValidationError(self.error_messages[code], code=code)


class StaffAdminSite(OTPAdminSite):
    login_form = AdminLoginForm
    login_template = "accounts/admin_login.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def has_permission(self, request):
        """Active staff whose session was verified by an OTP device; without 2FA only when
        ADMIN_REQUIRE_2FA is off."""
        if not AdminSite.has_permission(self, request):
            return False
        if request.user.is_verified():
            return True
        return not settings.ADMIN_REQUIRE_2FA and not two_factor.two_factor_enabled(request.user)

    def login(self, request, extra_context=None):
        """The login page; a rate-limited attempt shows the form again with status 429."""
        context = {**(extra_context or {}), "two_factor_hint": _two_factor_hint(request.user)}
        response = super().login(request, context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        limited = getattr(form, "rate_limited", None)
        if limited is not None:
            response.status_code = 429
            for name, value in limited.headers.items():
                response[name] = value
        return response
