from rest_framework import serializers

from accounts.models import User


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.SerializerMethodField()
    two_factor_enabled = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "two_factor_enabled", "date_joined"]

    def get_display_name(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.display_name if profile else ""

    def get_two_factor_enabled(self, user) -> bool:
        from accounts.two_factor import two_factor_enabled

        return two_factor_enabled(user)


class RegisterRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    display_name = serializers.CharField(min_length=3, max_length=50)


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
