"""OpenAPI helpers: the error envelope as a schema component, for ``@extend_schema(responses=…)``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
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

# A JSON body that is exactly ``{}`` (API.md answers some commands with an empty object).
EMPTY_OBJECT = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="An empty JSON object: {}",
    examples=[OpenApiExample("empty", value={})],
)

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


def add_throttle_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every API operation can be throttled (default
    throttles apply everywhere), so each documents 429 with the envelope and Retry-After."""
    envelope_ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "429",
                {
                    "description": _DESCRIPTIONS[429],
                    "headers": {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "seconds to wait",
                        }
                    },
                    "content": {"application/json": {"schema": envelope_ref}},
                },
            )
    return result
