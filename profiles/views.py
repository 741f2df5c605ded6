"""Profile APIs: thin views that validate the body, call one service or selector, serialize."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from core.schema import OPTIONAL_AUTH, error_responses
from profiles import media_services, selectors, services
from profiles.serializers import (
    ProfilePrivacyInputSerializer,
    ProfileSerializer,
    ProfileUpdateInputSerializer,
    SignedUploadUrlSerializer,
    UploadAcceptedSerializer,
    UploadConfirmRequestSerializer,
    UploadUrlRequestSerializer,
)

_PROFILE_400 = "Invalid field values (PROFILE_VALIDATION_ERROR, details per field)"


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise ValidationFailed(details=serializer.errors)
    return serializer.validated_data


class ProfileMeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="profiles_me_retrieve",
        responses={200: ProfileSerializer, **error_responses(401)},
        tags=["profiles"],
        description="The caller's whole profile, privacy flags and media status included.",
    )
    def get(self, request):
        return Response(selectors.profile_full(user_id=request.user.pk))

    @extend_schema(
        operation_id="profiles_me_update",
        request=ProfileUpdateInputSerializer,
        responses={200: ProfileSerializer, **error_responses(400, 401, e400=_PROFILE_400)},
        tags=["profiles"],
        description="Change any of display_name, bio, country, social_links (merged per "
        "network; an empty value removes a link), title, banner_color, theme.",
    )
    def patch(self, request):
        profile = services.profile_update(user=request.user, data=request.data)
        return Response(ProfileSerializer(profile).data)


class ProfilePrivacyApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="profiles_me_privacy_update",
        request=ProfilePrivacyInputSerializer,
        responses={200: ProfileSerializer, **error_responses(400, 401, e400=_PROFILE_400)},
        tags=["profiles"],
    )
    def put(self, request):
        profile = services.profile_update(user=request.user, data=request.data, section="privacy")
        return Response(ProfileSerializer(profile).data)


class ProfileDetailApi(APIView):
    @extend_schema(
        operation_id="profiles_retrieve",
        parameters=[OpenApiParameter("user_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        auth=OPTIONAL_AUTH,
        responses={
            200: ProfileSerializer,
            **error_responses(
                403,
                404,
                e403="PROFILE_PRIVATE: private, and the caller is neither owner nor staff",
                e404="PROFILE_NOT_FOUND: no such profile (or a malformed id)",
            ),
        },
        tags=["profiles"],
        description="A `Profile`. Other players see a public profile with the privacy flags "
        "and upload status null; the owner and staff get every field.",
    )
    def get(self, request, user_id: str):
        return Response(selectors.profile_for_viewer(user_id=user_id, viewer=request.user))


class _UploadUrlApi(APIView):
    permission_classes = [IsAuthenticated]
    kind = ""

    def post(self, request):
        body = _validated(UploadUrlRequestSerializer, request)
        data = media_services.media_upload_url(user=request.user, kind=self.kind, **body)
        return Response(SignedUploadUrlSerializer(data).data)


class _ConfirmApi(APIView):
    permission_classes = [IsAuthenticated]
    kind = ""

    def post(self, request):
        body = _validated(UploadConfirmRequestSerializer, request)
        media_services.media_confirm(
            user=request.user, kind=self.kind, storage_path=body["storage_path"]
        )
        return Response({"status": "processing"}, status=status.HTTP_202_ACCEPTED)


def _upload_url_schema(kind: str, limit: str):
    return extend_schema(
        operation_id=f"profiles_me_{kind}_upload_url",
        request=UploadUrlRequestSerializer,
        responses={
            200: SignedUploadUrlSerializer,
            **error_responses(
                400,
                401,
                413,
                415,
                503,
                e413=f"UPLOAD_FILE_TOO_LARGE: over {limit}",
                e415="UPLOAD_INVALID_TYPE: not image/png, image/jpeg or image/webp",
            ),
        },
        tags=["profiles"],
        description=f"A URL valid 5 minutes: PUT the raw bytes there with the declared "
        f"Content-Type, then call {kind}/confirm/ with storage_path. {kind.title()}s ≤ {limit}.",
    )


def _confirm_schema(kind: str):
    return extend_schema(
        operation_id=f"profiles_me_{kind}_confirm",
        request=UploadConfirmRequestSerializer,
        responses={
            202: UploadAcceptedSerializer,
            **error_responses(
                400,
                401,
                403,
                413,
                503,
                e400="VALIDATION_ERROR: nothing uploaded at storage_path, or already processed",
                e403="PERMISSION_DENIED: storage_path belongs to another user",
            ),
        },
        tags=["profiles"],
        description=f"Queues the {kind} for checking and resizing; GET profiles/me/ shows "
        f"{kind}_status (processing, then ready or failed with {kind}_status_reason).",
    )


class AvatarUploadUrlApi(_UploadUrlApi):
    kind = "avatar"

    @_upload_url_schema("avatar", "5 MiB")
    def post(self, request):
        return super().post(request)


class BannerUploadUrlApi(_UploadUrlApi):
    kind = "banner"

    @_upload_url_schema("banner", "10 MiB")
    def post(self, request):
        return super().post(request)


class AvatarConfirmApi(_ConfirmApi):
    kind = "avatar"

    @_confirm_schema("avatar")
    def post(self, request):
        return super().post(request)


class BannerConfirmApi(_ConfirmApi):
    kind = "banner"

    @_confirm_schema("banner")
    def post(self, request):
        return super().post(request)
