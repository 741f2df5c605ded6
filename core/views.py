"""Operations endpoints and the envelope for unknown routes and bad requests under /api/."""

import logging

import redis
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from core.exceptions import error_response
from core.outage import outage_report

logger = logging.getLogger(__name__)


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )
    try:
        client.ping()
    finally:
        client.close()


def _failed(name: str, check) -> bool:
    """Run one readiness check; the reason is logged (once per interval), never returned: the
    driver's text names hosts and ports."""
    try:
        check()
        return False
    except Exception as exc:  # noqa: BLE001
        outage_report(logger, f"Readiness check {name}", exc, "/readyz answers 503")
        return True


@require_GET
def readyz(request):
    """200 when every part answers; 503 naming the parts that do not, and nothing more."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    failed = sorted(name for name, check in checks.items() if _failed(name, check))
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "failed" if name in failed else "ok" for name in checks},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return error_response("NOT_FOUND", f"No route for {request.method} {request.path}.", 404)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response("NOT_FOUND", "Not found.", 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    """A request Django refuses before any view (a SuspiciousOperation) under /api/."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return error_response("REQUEST_TOO_LARGE", "The request body is too large.", 413)
        return error_response("MALFORMED_REQUEST", "Bad request.", 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return error_response("INTERNAL_ERROR", "Internal server error.", 500)
    from django.views.defaults import server_error

    return server_error(request)
