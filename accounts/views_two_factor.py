"""2FA (TOTP) endpoints of API.md: setup, verify, disable."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.ratelimit import client_ip
from accounts.serializers import (
    TwoFactorCodeRequestSerializer,
    TwoFactorSetupSerializer,
    TwoFactorStatusSerializer,
    TwoFactorVerifyResponseSerializer,
)
from core.schema import error_responses

TAGS = ["auth"]
_E401 = "AUTH_TOKEN_INVALID or AUTH_TOKEN_EXPIRED"
_E403 = "AUTH_2FA_INVALID: wrong, reused or expired code"
_E429 = (
    "AUTH_RATE_LIMITED: over 5 calls per IP in 60 s, 10 wrong codes per account in 15 min, or "
    "django-otp's back-off after a wrong code (Retry-After set)"
)


def _code(request) -> str:
    body = TwoFactorCodeRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["code"]


class TwoFactorSetupApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_2fa_setup",
        request=None,
        responses={
            200: TwoFactorSetupSerializer,
            **error_responses(
                401, 409, e401=_E401, e409="AUTH_2FA_ALREADY_ENABLED: disable 2FA first"
            ),
        },
        tags=TAGS,
        description="Creates a pending TOTP secret (replacing an earlier pending one). 2FA is on "
        "only after auth/2fa/verify/; the secret is never shown again after that.",
    )
    def post(self, request):
        return Response(asdict(two_factor.totp_setup(user=request.user)))


class TwoFactorVerifyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_2fa_verify",
        request=TwoFactorCodeRequestSerializer,
        responses={
            200: TwoFactorVerifyResponseSerializer,
            **error_responses(
                400,
                401,
                403,
                409,
                429,
                e401=_E401,
                e403=_E403,
                e409="AUTH_2FA_NOT_SET_UP (call setup first) or AUTH_2FA_ALREADY_ENABLED",
                e429=_E429,
            ),
        },
        tags=TAGS,
        description="Confirms the pending secret with a current code: 2FA is on. Returns ten "
        "single-use recovery codes, shown only this once.",
    )
    def post(self, request):
        codes = two_factor.two_factor_enable(
            user=request.user, code=_code(request), client_ip=client_ip(request)
        )
        return Response({"two_factor_enabled": True, "recovery_codes": codes})


class TwoFactorDisableApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_2fa_disable",
        request=TwoFactorCodeRequestSerializer,
        responses={
            200: TwoFactorStatusSerializer,
            **error_responses(
                400,
                401,
                403,
                409,
                429,
                e401=_E401,
                e403=_E403,
                e409="AUTH_2FA_NOT_ENABLED",
                e429=_E429,
            ),
        },
        tags=TAGS,
        description="Turns 2FA off; needs a current TOTP code or a recovery code.",
    )
    def post(self, request):
        two_factor.two_factor_disable(
            user=request.user, code=_code(request), client_ip=client_ip(request)
        )
        return Response({"two_factor_enabled": False})
