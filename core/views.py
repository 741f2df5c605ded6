"""Operations endpoints and the envelope for unknown routes under /api/."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from core.exceptions import error_response


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc) or exc.__class__.__name__


def _check_redis() -> str | None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, retry_on_timeout=False
    )
    try:
        client.ping()
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc) or exc.__class__.__name__
    finally:
        client.close()


@require_GET
def readyz(request):
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    failed = {name: reason for name, reason in checks.items() if reason}
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {
            name: ("failed: " + failed[name]) if name in failed else "ok" for name in checks
        },
    }
    if failed:
        body["failed"] = sorted(failed)
    return JsonResponse(body, status=503 if failed else 200)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    return error_response("NOT_FOUND", f"No route for {request.method} {request.path}.", 404)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return error_response("NOT_FOUND", "Not found.", 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return error_response("INTERNAL_ERROR", "Internal server error.", 500)
    from django.views.defaults import server_error

    return server_error(request)
