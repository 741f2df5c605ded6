"""OpenAPI helpers: the error envelope as a schema component, for ``@extend_schema(responses=…)``."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_ErrorBody = inline_serializer(
    name="ErrorBody",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "details": serializers.DictField(),
    },
)

ErrorEnvelope = inline_serializer(name="ErrorEnvelope", fields={"error": _ErrorBody})

_DESCRIPTIONS = {
    400: "Invalid input (VALIDATION_ERROR, MALFORMED_REQUEST or a domain code)",
    401: "Missing, invalid or expired credentials (AUTH_TOKEN_INVALID, AUTH_TOKEN_EXPIRED)",
    402: "Insufficient funds",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Rate limited (Retry-After set)",
    503: "Service unavailable",
}


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(ErrorEnvelope)}``; override a description with ``e409="…"``."""
    return {
        status: OpenApiResponse(
            ErrorEnvelope, description=descriptions.get(f"e{status}", _DESCRIPTIONS.get(status, ""))
        )
        for status in statuses
    }
