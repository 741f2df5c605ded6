"""Bearer access-token authentication with precise error codes and revocation checks."""

from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication as _SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings

from accounts.tokens import AccessToken


class TokenInvalid(exceptions.AuthenticationFailed):
    error_code = "AUTH_TOKEN_INVALID"
    default_detail = "Authentication token is invalid."


class TokenExpired(exceptions.AuthenticationFailed):
    error_code = "AUTH_TOKEN_EXPIRED"
    default_detail = "Authentication token has expired."


class JWTAuthentication(_SimpleJWTAuthentication):
    www_authenticate_realm = "api"

    def get_raw_token(self, header):
        """The token of ``Bearer <token>`` (the scheme in any letter case, RFC 7235); other
        schemes are no JWT and leave the request anonymous."""
        parts = header.split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise TokenInvalid("Authorization header must be 'Bearer <token>'.")
        return parts[1]

    def get_validated_token(self, raw_token):
        try:
            return AccessToken(raw_token)
        except ExpiredTokenError as exc:
            raise TokenExpired() from exc
        except TokenError as exc:
            raise TokenInvalid() from exc

    def get_user(self, validated_token):
        """The token's user and its revocation state in one Redis round trip when the user is
        cached (``accounts.auth_cache``), else one SQL statement more; the database decides
        when Redis is absent or failing."""
        from accounts.auth_cache import user_for_token

        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        user, revoked = user_for_token(user_id, validated_token) if user_id else (None, False)
        if user is None:
            raise TokenInvalid("User not found.")
        if not user.is_active or revoked:
            raise TokenInvalid("Authentication token has been revoked.")
        return user
