from rest_framework import serializers

from accounts.models import User
from accounts.signals import registration_fields


def _display_name(user) -> str:
    known = getattr(user, "profile_display_name", None)  # read with request.user
    if known is not None:
        return known
    profile = getattr(user, "profile", None)
    return profile.display_name if profile else ""


def _two_factor_enabled(user) -> bool:
    known = getattr(user, "has_confirmed_totp", None)  # read with request.user
    if known is not None:
        return known
    from accounts.two_factor import two_factor_enabled

    return two_factor_enabled(user)


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField()
    two_factor_enabled = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "two_factor_enabled", "date_joined"]

    def get_display_name(self, user) -> str:
        return _display_name(user)

    def get_two_factor_enabled(self, user) -> bool:
        return _two_factor_enabled(user)


_DATE_JOINED = serializers.DateTimeField()


def user_body(user) -> dict:
    """``UserSerializer(user).data`` without building a ModelSerializer's fields (about 1 ms,
    on every ``auth/me/``); a test pins the two equal."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "display_name": _display_name(user),
        "two_factor_enabled": _two_factor_enabled(user),
        "date_joined": _DATE_JOINED.to_representation(user.date_joined),
    }


class RegisterRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)

    def get_fields(self):
        """Email and password, plus the fields other apps contribute (profiles: display_name)."""
        return {**super().get_fields(), **registration_fields()}


class LoginRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    totp_code = serializers.CharField(max_length=32, required=False, allow_blank=True)


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class LogoutRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class PasswordChangeRequestSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmRequestSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=300)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class TwoFactorSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 TOTP secret (shown only until verified).")
    otpauth_url = serializers.CharField(help_text="otpauth://totp/1v1bro:<email>?secret=…")
    qr_code = serializers.CharField(help_text="data:image/svg+xml;base64,… QR code of otpauth_url")


class TwoFactorCodeRequestSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=32, help_text="6-digit TOTP code (or, for disable, a recovery code)."
    )


class TwoFactorVerifyResponseSerializer(serializers.Serializer):
    two_factor_enabled = serializers.BooleanField()
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Ten single-use codes accepted in place of a TOTP code; shown only once.",
    )


class TwoFactorStatusSerializer(serializers.Serializer):
    two_factor_enabled = serializers.BooleanField()
