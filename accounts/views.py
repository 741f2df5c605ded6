from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import services
from accounts.authentication import TokenInvalid
from accounts.keys import jwks
from accounts.serializers import (
    AuthResponseSerializer,
    LoginRequestSerializer,
    RefreshRequestSerializer,
    RegisterRequestSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.tokens import RefreshToken
from core.schema import error_responses


def _auth_body(user, tokens: dict) -> dict:
    return {**tokens, "user": UserSerializer(user).data}


class RegisterApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_register",
        request=RegisterRequestSerializer,
        responses={201: AuthResponseSerializer, **error_responses(400, 409, 429)},
        tags=["auth"],
    )
    def post(self, request):
        body = RegisterRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_register(**body.validated_data)
        tokens = services.user_login_tokens(user=user)
        return Response(_auth_body(user, tokens), status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_login",
        request=LoginRequestSerializer,
        responses={200: AuthResponseSerializer, **error_responses(400, 401, 403, 429)},
        tags=["auth"],
    )
    def post(self, request):
        body = LoginRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = services.credentials_check(
            email=data["email"], password=data["password"], request=request
        )
        tokens = services.user_login_tokens(user=user)
        return Response(_auth_body(user, tokens))


class RefreshApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_refresh",
        request=RefreshRequestSerializer,
        responses={200: TokenPairSerializer, **error_responses(400, 401, 429)},
        tags=["auth"],
        description="Rotates the refresh token: the one sent is blacklisted and a new pair returned.",
    )
    def post(self, request):
        body = RefreshRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(body.validated_data["refresh"])
        except TokenError as exc:
            raise TokenInvalid("Refresh token is invalid, expired or already used.") from exc
        return Response(services.refresh_rotate(refresh=refresh))


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_me",
        responses={200: UserSerializer, **error_responses(401)},
        tags=["auth"],
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class JwksApi(APIView):
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_jwks",
        responses={
            200: inline_serializer(
                "Jwks", {"keys": serializers.ListField(child=serializers.DictField())}
            )
        },
        tags=["auth"],
        description="RS256 public keys (current first, then any previous ones still accepted).",
    )
    def get(self, request):
        response = Response(jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response
