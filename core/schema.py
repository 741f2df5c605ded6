"""OpenAPI: the error envelope as a component, the schema class and the post-processing hooks
that make the served schema say what the server does (auth, errors, required fields).

- Security: an operation anyone may call has no security requirement (``[{}]`` makes generated
  clients demand a token); one whose answer depends on the caller declares ``OPTIONAL_AUTH``;
  (auth) and (service) operations keep their scheme.
- 401: a bad or expired Bearer token is refused on every operation (API.md), so each documents
  its 401; likewise 429 (throttles), 414 and 431 (request-size limits) everywhere.
- Response components list every property as required: the server always sends every field
  (null where nullable). Request components keep the serializers' own required lists.
"""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

from core.middleware import MAX_HEADER_BYTES, MAX_HEADERS, MAX_URI_BYTES

JWT_SCHEME = "jwtAuth"
# Callers may send a token and get more (the owner's or staff's view) or nothing (anonymous).
OPTIONAL_AUTH = [{JWT_SCHEME: []}, {}]

_ErrorBody = inline_serializer(
    name="ErrorBody",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "details": serializers.DictField(),
    },
)

ErrorEnvelope = inline_serializer(name="ErrorEnvelope", fields={"error": _ErrorBody})
_ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}

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
_TOKEN_REFUSED = (
    "AUTH_TOKEN_INVALID or AUTH_TOKEN_EXPIRED: an `Authorization: Bearer` token was sent and is "
    "bad, revoked or expired (it is refused here too; send no header to call anonymously)"
)


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(ErrorEnvelope)}``; override a description with ``e409="…"``."""
    return {
        status: OpenApiResponse(
            ErrorEnvelope, description=descriptions.get(f"e{status}", _DESCRIPTIONS.get(status, ""))
        )
        for status in statuses
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema class, with no security requirement on operations anyone may
    call (views whose answer depends on the caller say ``extend_schema(auth=OPTIONAL_AUTH)``)."""

    def get_auth(self):
        auths = super().get_auth()
        return [] if {} in auths else auths


def _api_operations(result):
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/api/"):
            yield from operations.values()


def add_gateway_responses(result, generator, request, public):
    """Post-processing hook: what any API operation may answer before its view runs — 429
    (the default throttles apply everywhere; Retry-After set), 414 for an over-long URL and
    431 for over-large headers (``core.middleware.RequestLimitsMiddleware``)."""
    common = {
        "414": {"description": f"URI_TOO_LONG: path and query over {MAX_URI_BYTES} bytes"},
        "429": {
            "description": _DESCRIPTIONS[429],
            "headers": {
                "Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}
            },
        },
        "431": {
            "description": f"REQUEST_HEADERS_TOO_LARGE: a header over {MAX_HEADER_BYTES} bytes, "
            f"or over {MAX_HEADERS} headers"
        },
    }
    info = result.setdefault("info", {})
    info["description"] = (
        f"{info.get('description', '')} A URL over {MAX_URI_BYTES} bytes is a 414, a header over "
        f"{MAX_HEADER_BYTES} bytes or over {MAX_HEADERS} headers a 431."
    ).strip()
    for operation in _api_operations(result):
        responses = operation.setdefault("responses", {})
        for status, response in common.items():
            content = {"application/json": {"schema": _ENVELOPE_REF}}
            responses.setdefault(status, {**response, "content": content})
    return result


def add_token_responses(result, generator, request, public):
    """Post-processing hook: every API operation documents its 401 — a bad or expired Bearer
    token is refused everywhere, also where no token is needed (API.md, Conventions)."""
    for operation in _api_operations(result):
        security = operation.get("security") or []
        anonymous_allowed = not security or {} in security
        if anonymous_allowed:
            description = _TOKEN_REFUSED
        elif {JWT_SCHEME: []} in security:
            description = _DESCRIPTIONS[401] + ": the token is missing, bad, revoked or expired"
        else:  # the service scheme: its own secret
            description = "AUTH_TOKEN_INVALID: the service token is missing or wrong"
        responses = operation.setdefault("responses", {})
        existing = responses.get("401")
        if existing is None:
            responses["401"] = {
                "description": description,
                "content": {"application/json": {"schema": _ENVELOPE_REF}},
            }
            continue
        text = existing.get("description", "")
        if "AUTH_TOKEN_INVALID" not in text or (anonymous_allowed and "Authorization" not in text):
            existing["description"] = f"{text}; {description}" if text else description
    return result


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(names: set[str], components: dict) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs(components[name], found)
        todo.extend(found - seen)
    return seen


def require_response_fields(result, generator, request, public):
    """Post-processing hook: in components only responses use, every property is required —
    the serializers always emit every field (null where the field is nullable)."""
    components = result.get("components", {}).get("schemas", {})
    in_requests: set[str] = set()
    in_responses: set[str] = set()
    for operation in _api_operations(result):
        _refs(operation.get("requestBody", {}), in_requests)
        _refs(operation.get("parameters", []), in_requests)
        _refs(operation.get("responses", {}), in_responses)
    response_only = _closure(in_responses, components) - _closure(in_requests, components)
    for name in response_only:
        schema = components[name]
        if schema.get("type") == "object" and schema.get("properties"):
            schema["required"] = sorted(schema["properties"])
    return result


def require_one_of_bodies(result, generator, request, public):
    """Post-processing hook: a request body that is ``oneOf`` some shapes must be one of them,
    so it is required (drf-spectacular only infers that from a serializer's required fields)."""
    components = result.get("components", {}).get("schemas", {})
    for operation in _api_operations(result):
        body = operation.get("requestBody")
        if not body:
            continue
        for media in body.get("content", {}).values():
            ref = media.get("schema", {}).get("$ref", "")
            if "oneOf" in components.get(ref.rsplit("/", 1)[-1], {}):
                body["required"] = True
    return result


def _rename_refs(node, renames: dict[str, str]):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in renames:
            node["$ref"] = "#/components/schemas/" + renames[ref.rsplit("/", 1)[1]]
        for value in node.values():
            _rename_refs(value, renames)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renames)


def tidy_component_names(result, generator, request, public):
    """Post-processing hook: ``FooRequestRequest`` (a ``FooRequestSerializer`` in a split
    request component) becomes ``FooRequest``, the model name generated clients show."""
    components = result.get("components", {}).get("schemas", {})
    renames = {
        name: name.removesuffix("Request")
        for name in components
        if name.endswith("RequestRequest") and name.removesuffix("Request") not in components
    }
    for old, new in renames.items():
        components[new] = components.pop(old)
    _rename_refs(result, renames)
    result["components"]["schemas"] = dict(sorted(components.items()))
    return result
