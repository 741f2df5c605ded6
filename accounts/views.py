"""Auth endpoints of API.md: register, login, refresh, logout(-all), me, password, JWKS.
2FA endpoints are in ``views_two_factor``."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import password_reset, services
from accounts.keys import jwks
from accounts.ratelimit import client_ip
from accounts.serializers import (
    AuthResponseSerializer,
    LoginRequestSerializer,
    LogoutRequestSerializer,
    PasswordChangeRequestSerializer,
    PasswordResetConfirmRequestSerializer,
    PasswordResetRequestSerializer,
    RefreshRequestSerializer,
    RegisterRequestSerializer,
    TokenPairSerializer,
    UserSerializer,
    user_body,
)
from core.schema import EMPTY_OBJECT, error_responses

TAGS = ["auth"]
_E401_TOKEN = "AUTH_TOKEN_INVALID (missing, bad, revoked) or AUTH_TOKEN_EXPIRED"
_E429 = "AUTH_RATE_LIMITED, with Retry-After"


def _auth_body(user, tokens: dict) -> dict:
    return {**tokens, "user": UserSerializer(user).data}


def _token_response(body: dict, status_code: int = status.HTTP_200_OK) -> Response:
    """A response carrying tokens: never stored by a browser or a proxy (requests sending an
    Authorization header get the same from ``core.middleware.ApiGuardMiddleware``)."""
    response = Response(body, status=status_code)
    response["Cache-Control"] = "no-store"
    return response


def _valid(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class RegisterApi(APIView):
    @extend_schema(
        operation_id="auth_register",
        request=RegisterRequestSerializer,
        responses={
            201: AuthResponseSerializer,
            **error_responses(
                400,
                409,
                429,
                e400="VALIDATION_ERROR: bad fields, or a password Django's validators refuse "
                "(details.password lists why)",
                e409="AUTH_EMAIL_TAKEN: the email is registered already (any letter case)",
                e429="RATE_LIMITED (default anonymous throttle)",
            ),
        },
        tags=TAGS,
    )
    def post(self, request):
        user = services.user_register(**_valid(RegisterRequestSerializer, request))
        tokens = services.user_login_tokens(user=user)
        return _token_response(_auth_body(user, tokens), status.HTTP_201_CREATED)


class LoginApi(APIView):
    @extend_schema(
        operation_id="auth_login",
        request=LoginRequestSerializer,
        responses={
            200: AuthResponseSerializer,
            **error_responses(
                400,
                401,
                403,
                429,
                e401="AUTH_INVALID_CREDENTIALS: wrong email or password (one answer for both)",
                e403="AUTH_2FA_REQUIRED: the account has 2FA and no totp_code was sent; "
                "AUTH_2FA_INVALID: wrong, reused or expired code",
                e429="AUTH_RATE_LIMITED: over 5 attempts per IP in 60 s, or 10 failed attempts "
                "per account in 15 min (Retry-After set)",
            ),
        },
        tags=TAGS,
        description="`totp_code` is a current 6-digit TOTP code or an unused recovery code.",
    )
    def post(self, request):
        data = _valid(LoginRequestSerializer, request)
        user, tokens = services.user_login(
            email=data["email"],
            password=data["password"],
            totp_code=data.get("totp_code", ""),
            client_ip=client_ip(request),
            request=request,
        )
        return _token_response(_auth_body(user, tokens))


class RefreshApi(APIView):
    @extend_schema(
        operation_id="auth_refresh",
        request=RefreshRequestSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(
                400,
                401,
                429,
                e401="AUTH_TOKEN_INVALID: bad, revoked or already used refresh token (reuse "
                "of a rotated one also revokes its whole family); AUTH_TOKEN_EXPIRED: expired",
            ),
        },
        tags=TAGS,
        description="Rotates the refresh token: the one sent is blacklisted and a new pair "
        "returned. A refresh token works once. Presenting an already rotated refresh token "
        "again is treated as theft: every refresh and access token descended from the same "
        "login is revoked (401). Exception: the token rotated last, presented again within "
        "AUTH_REFRESH_REUSE_GRACE_SECONDS (default 5 s) of its rotation — two tabs refreshing "
        "at once — is refused with 401 without revoking anything; that client should use the "
        "pair the other request received.",
    )
    def post(self, request):
        data = _valid(RefreshRequestSerializer, request)
        return _token_response(services.refresh_rotate(raw_refresh=data["refresh"]))


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        request=LogoutRequestSerializer,
        responses={
            204: OpenApiResponse(description="Logged out: both tokens are dead."),
            **error_responses(
                400,
                401,
                e401=_E401_TOKEN + "; also AUTH_TOKEN_INVALID when the refresh token is "
                "malformed or another user's",
            ),
        },
        tags=TAGS,
        description="Revokes the given refresh token (the caller's) and the access token of "
        "this call, at once.",
    )
    def post(self, request):
        data = _valid(LogoutRequestSerializer, request)
        services.user_logout(
            user=request.user, access_token=request.auth, raw_refresh=data["refresh"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        request=None,
        responses={
            204: OpenApiResponse(description="Every session of the user is revoked."),
            **error_responses(401, e401=_E401_TOKEN),
        },
        tags=TAGS,
        description="Revokes every refresh token of the user and every access token issued "
        "before now, on every device.",
    )
    def post(self, request):
        services.user_logout_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_me",
        responses={200: UserSerializer, **error_responses(401, e401=_E401_TOKEN)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(user_body(request.user))


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_password_change",
        request=PasswordChangeRequestSerializer,
        responses={
            200: EMPTY_OBJECT,
            **error_responses(
                400,
                401,
                429,
                e400="VALIDATION_ERROR: wrong old_password, or new_password refused by the "
                "password validators (details say which)",
                e401=_E401_TOKEN,
                e429="AUTH_RATE_LIMITED: too many wrong old passwords (counted with failed logins)",
            ),
        },
        tags=TAGS,
        description="Changes the password and revokes every session (all refresh tokens and "
        "every access token issued so far, this one included): log in again.",
    )
    def post(self, request):
        data = _valid(PasswordChangeRequestSerializer, request)
        services.password_change(user=request.user, **data)
        return Response({})


class PasswordResetApi(APIView):
    @extend_schema(
        operation_id="auth_password_reset",
        request=PasswordResetRequestSerializer,
        responses={
            202: EMPTY_OBJECT,
            **error_responses(400, 429, e429=_E429),
        },
        tags=TAGS,
        description="Mails a single-use reset token (valid PASSWORD_RESET_TIMEOUT_SECONDS) when "
        "the address has an account. The answer is the same whether or not it has one.",
    )
    def post(self, request):
        data = _valid(PasswordResetRequestSerializer, request)
        password_reset.password_reset_request(email=data["email"], client_ip=client_ip(request))
        return Response({}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    @extend_schema(
        operation_id="auth_password_reset_confirm",
        request=PasswordResetConfirmRequestSerializer,
        responses={
            200: EMPTY_OBJECT,
            **error_responses(
                400,
                429,
                e400="VALIDATION_ERROR: details.token (invalid, expired or used token) or "
                "details.new_password (refused by the password validators)",
            ),
        },
        tags=TAGS,
        description="Sets the new password and revokes every session of the user.",
    )
    def post(self, request):
        password_reset.password_reset_confirm(
            **_valid(PasswordResetConfirmRequestSerializer, request)
        )
        return Response({})


class JwksApi(APIView):
    @extend_schema(
        operation_id="auth_jwks",
        responses={
            200: inline_serializer(
                "Jwks", {"keys": serializers.ListField(child=serializers.DictField())}
            )
        },
        tags=TAGS,
        description="RS256 public keys as a JWK Set (current first, then previous ones still "
        "accepted during a rotation); tokens name theirs in the `kid` header.",
    )
    def get(self, request):
        response = Response(jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response
