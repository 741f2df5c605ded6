"""Request id, one log line per request, the gate of /api/ (host, body size, no-store),
request-size limits, and the error envelope for non-DRF errors under /api/."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404

from core.exceptions import error_response
from core.logging import request_id_var

logger = logging.getLogger("core.requests")
error_logger = logging.getLogger("core.errors")
security_logger = logging.getLogger("django.security.DisallowedHost")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Takes ``X-Request-ID`` (or generates one), exposes it to logging, echoes it back,
    and writes one line per request: method, path, status, duration, user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = (time.perf_counter() - started) * 1000
            user = getattr(request, "user", None)
            user_id = str(user.pk) if user is not None and user.is_authenticated else "-"
            logger.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                user_id,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(duration_ms, 1),
                    "user_id": user_id,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiGuardMiddleware:
    """Under /api/, first of all:

    * an unknown ``Host`` is the 400 envelope (``MALFORMED_REQUEST``), never Django's HTML page
      (it sits before SecurityMiddleware and CommonMiddleware, which would raise first);
    * a body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 ``REQUEST_TOO_LARGE``
      before anything reads it (a view streaming its own body under its own limit sets
      ``request_body_limit = None``);
    * every response to a request with credentials (an ``Authorization`` header) gets
      ``Cache-Control: no-store``; responses carrying tokens set it themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost as exc:
            security_logger.warning("%s", exc)
            return error_response("MALFORMED_REQUEST", "Unknown host name.", 400)
        response = self.get_response(request)
        if "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "no-store"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/"):
            return None
        view_class = getattr(view_func, "cls", None)
        limit = getattr(view_class, "request_body_limit", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if limit is not None and _declared_length(request) > limit:
            return error_response(
                "REQUEST_TOO_LARGE", f"The request body is over {limit} bytes.", 413
            )
        return None


# What one request may carry before the service refuses it in the envelope. gunicorn's own
# limits (config/gunicorn.py) sit above these, so its HTML error pages are never reached.
MAX_URI_BYTES = 4096  # path + "?" + query string, as sent
MAX_HEADER_BYTES = 8192  # one header, name and value
MAX_HEADERS = 100


def _header_sizes(meta) -> list[int]:
    return [
        len(key) + len(str(value))
        for key, value in meta.items()
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")
    ]


class RequestLimitsMiddleware:
    """414 ``URI_TOO_LONG`` for a URL over MAX_URI_BYTES and 431 ``REQUEST_HEADERS_TOO_LARGE``
    for a header over MAX_HEADER_BYTES or more than MAX_HEADERS headers, before any work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        uri_bytes = len(request.get_full_path().encode())
        if uri_bytes > MAX_URI_BYTES:
            return error_response(
                "URI_TOO_LONG",
                f"The URL is {uri_bytes} bytes long; at most {MAX_URI_BYTES} are accepted.",
                414,
            )
        sizes = _header_sizes(request.META)
        if len(sizes) > MAX_HEADERS or max(sizes, default=0) > MAX_HEADER_BYTES:
            return error_response(
                "REQUEST_HEADERS_TOO_LARGE",
                f"At most {MAX_HEADERS} headers of at most {MAX_HEADER_BYTES} bytes each "
                "are accepted.",
                431,
            )
        return self.get_response(request)


def repeated_query_params(request, view_class) -> list[str]:
    """Query parameters given more than once that the view does not take as a list
    (``view_class.list_query_params``): a repeat is refused, never silently reduced to one."""
    lists = getattr(view_class, "list_query_params", ())
    return sorted(k for k, v in request.GET.lists() if len(v) > 1 and k not in lists)


def allowed_methods(view_class) -> set[str]:
    methods = {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    if "GET" in methods:
        methods.add("HEAD")
    return methods


class ApiErrorMiddleware:
    """Under /api/, an exception that escaped the view becomes the envelope (even with DEBUG on,
    so no traceback page ever reaches a client)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A method the view does not have is a 405 before anything else — before
        authentication, which DRF would otherwise run first and answer 401. Then a repeated
        single-valued query parameter is a 400."""
        view_class = getattr(view_func, "cls", None)
        if view_class is None or not request.path.startswith("/api/"):
            return None
        allowed = allowed_methods(view_class)
        if request.method.upper() not in allowed:
            response = error_response(
                "METHOD_NOT_ALLOWED", f'Method "{request.method}" not allowed.', 405
            )
            response["Allow"] = ", ".join(sorted(allowed))
            return response
        repeated = repeated_query_params(request, view_class)
        if repeated:
            return error_response(
                "VALIDATION_ERROR",
                "Invalid input.",
                400,
                details={
                    name: ["Given more than once; this parameter takes one value."]
                    for name in repeated
                },
            )
        return None

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404):
            return error_response("NOT_FOUND", "Not found.", 404)
        error_logger.exception("Unhandled exception on %s %s", request.method, request.path)
        return error_response("INTERNAL_ERROR", "Internal server error.", 500)
