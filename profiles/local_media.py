"""The ``local`` media backend's HTTP side: the signed upload endpoint (one PUT per token,
size and type enforced here) and serving of published files (DEBUG on or off).

The body must come with a Content-Length (a chunked body is a 411: Django's WSGI request would
read it as empty) of 1 byte up to the size declared at upload-url; the bytes are streamed to
disk under that cap and kept only if exactly Content-Length of them arrived."""

import logging

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import Http404
from django.views.static import serve
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import error_responses
from profiles.errors import (
    UploadAlreadyReceived,
    UploadEmpty,
    UploadFileTooLarge,
    UploadIncomplete,
    UploadInvalidType,
    UploadLengthRequired,
    UploadUrlExpired,
    UploadUrlInvalid,
)
from profiles.imaging import ALLOWED_TYPES, human_size
from profiles.storage import LocalMediaStorage, get_media_storage, load_upload_token

CHUNK = 64 * 1024
logger = logging.getLogger(__name__)


def _local_storage() -> LocalMediaStorage:
    storage = get_media_storage()
    if not isinstance(storage, LocalMediaStorage):
        raise Http404("Uploads go to Cloud Storage on this deployment.")
    return storage


class _RawBodyParser:
    """Accepts any request body unparsed: the view streams it to disk itself."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class LocalUploadApi(APIView):
    """PUT target of ``upload_url`` on the local backend; the signed token is the credential
    (no login needed, but a bad Bearer token sent along is refused, as everywhere)."""

    parser_classes = [_RawBodyParser]
    request_body_limit = None  # core.middleware.ApiGuardMiddleware: the token's size applies

    @extend_schema(
        operation_id="uploads_local_put",
        request=dict.fromkeys(ALLOWED_TYPES, OpenApiTypes.BINARY),
        responses={
            204: OpenApiResponse(description="Stored; now call the confirm endpoint."),
            **error_responses(
                400,
                403,
                404,
                409,
                411,
                413,
                415,
                e400="VALIDATION_ERROR: an empty body, or fewer bytes than Content-Length",
                e403="UPLOAD_URL_INVALID or UPLOAD_URL_EXPIRED",
                e409="UPLOAD_ALREADY_RECEIVED: the URL was used already",
                e411="LENGTH_REQUIRED: no Content-Length (chunked bodies are refused)",
                e413="UPLOAD_FILE_TOO_LARGE: more bytes than size_bytes declared at upload-url",
                e415="UPLOAD_INVALID_TYPE: Content-Type differs from the declared one",
            ),
        },
        tags=["profiles"],
        description="Only on MEDIA_BACKEND=local: the upload_url handed out by upload-url. "
        "One PUT of the raw bytes with the declared Content-Type and a Content-Length of at "
        "most the declared size_bytes, within 5 minutes.",
    )
    def put(self, request, token: str):
        storage = _local_storage()
        try:
            claims = load_upload_token(token, max_age=settings.MEDIA_UPLOAD_URL_TTL_SECONDS)
        except signing.SignatureExpired:
            raise UploadUrlExpired()
        except signing.BadSignature:
            raise UploadUrlInvalid()
        path, declared, max_size = claims["p"], claims["t"], int(claims["m"])
        sent_type = request.content_type.split(";", 1)[0].strip().lower()
        if sent_type != declared:
            raise UploadInvalidType(
                f'Content-Type must be "{declared}", as declared for this upload.'
            )
        too_large = UploadFileTooLarge(
            f"The file is larger than the {human_size(max_size)} declared for this upload."
        )
        length = _content_length(request)
        if length > max_size:
            raise too_large
        if length == 0:
            raise UploadEmpty()
        if not _first_use(path):
            raise UploadAlreadyReceived()
        stream = request.stream

        def chunks():
            while chunk := stream.read(CHUNK):
                yield chunk

        try:
            written = storage.write_new(path, chunks(), max_size, expected=length)
        except FileExistsError:
            raise UploadAlreadyReceived()
        except ValueError:
            raise too_large
        if written is None:
            raise UploadIncomplete()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _content_length(request) -> int:
    """The declared body length; 411 without one (or with ``Transfer-Encoding``)."""
    raw = request.META.get("CONTENT_LENGTH", "")
    if "HTTP_TRANSFER_ENCODING" in request.META or not raw.strip():
        raise UploadLengthRequired()
    try:
        length = int(raw)
    except ValueError:
        raise UploadLengthRequired()
    if length < 0:
        raise UploadLengthRequired()
    return length


def _first_use(path: str) -> bool:
    """Mark the token of ``path`` used; with the cache down, the exclusive write still ensures
    a single upload."""
    try:
        return cache.add(f"profiles:upload-token:{path}", 1, settings.MEDIA_UPLOAD_URL_TTL_SECONDS)
    except Exception:
        logger.warning("Cache unavailable while marking an upload token used", exc_info=True)
        return True


def media_serve(request, path: str):
    """Published avatars and banners on the local backend (raw uploads are never served)."""
    storage = _local_storage()
    response = serve(request, path, document_root=storage.root)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
