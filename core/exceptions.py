"""One error envelope for every error: ``{"error": {"code", "message", "details"}}``."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import ApplicationError, RequestTooLarge

logger = logging.getLogger("core.errors")

_DRF_CODES = {
    drf.ParseError: "MALFORMED_REQUEST",
    drf.NotAuthenticated: "AUTH_TOKEN_INVALID",
    drf.AuthenticationFailed: "AUTH_TOKEN_INVALID",
    drf.PermissionDenied: "PERMISSION_DENIED",
    drf.NotFound: "NOT_FOUND",
    drf.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    drf.NotAcceptable: "NOT_ACCEPTABLE",
    drf.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    drf.Throttled: "RATE_LIMITED",
    drf.ValidationError: "VALIDATION_ERROR",
}


def envelope(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(code: str, message: str, status: int, details=None) -> JsonResponse:
    return JsonResponse(envelope(code, message, details), status=status)


def _drf_code(exc: drf.APIException) -> str:
    # Authentication classes may set a precise code (AUTH_TOKEN_EXPIRED) on the exception.
    detail_code = getattr(exc, "error_code", None)
    if detail_code:
        return detail_code
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    return "ERROR"


def _message(detail) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict):
        return "Invalid input."
    return str(detail)


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception becomes the envelope; the transaction rolls back."""
    if isinstance(exc, RequestDataTooBig):  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE, read late
        exc = RequestTooLarge()
    if isinstance(exc, ApplicationError):
        set_rollback()
        resp = Response(envelope(exc.code, exc.message, exc.details), status=exc.status)
        for name, value in exc.headers.items():
            resp[name] = value
        return resp
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.APIException):
        set_rollback()
        code = _drf_code(exc)
        if isinstance(exc, drf.ValidationError):
            details = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            message = "Invalid input."
        else:
            details, message = {}, _message(exc.detail)
        resp = Response(envelope(code, message, details), status=exc.status_code)
        if getattr(exc, "auth_header", None):
            resp["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            resp["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        return resp
    # Unknown exception: a logged 500 with a plain body, never a traceback.
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)
    logger.exception("Unhandled exception in %s", context.get("view").__class__.__name__)
    return Response(envelope("INTERNAL_ERROR", "Internal server error."), status=500)
