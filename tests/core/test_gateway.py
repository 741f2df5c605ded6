"""Gateway concerns: request ids, throttling, pagination rules, CORS, security headers."""

import logging

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.errors import ApplicationError
from core.pagination import LimitOffsetPagination

pytestmark = pytest.mark.django_db


def test_request_id_generated_and_echoed(api_client):
    response = api_client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_request_id_from_client_is_kept_and_logged(api_client, caplog):
    with caplog.at_level(logging.INFO, logger="core.requests"):
        response = api_client.get("/api/v1/auth/jwks/", HTTP_X_REQUEST_ID="req-abc.123")
    assert response["X-Request-ID"] == "req-abc.123"
    lines = [r for r in caplog.records if r.name == "core.requests"]
    assert lines and lines[-1].request_id == "req-abc.123"
    assert lines[-1].getMessage().startswith("GET /api/v1/auth/jwks/ 200")


def test_request_id_with_unsafe_characters_is_replaced(api_client):
    response = api_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
    assert response["X-Request-ID"] != "bad id\nInjected: yes"


def test_json_log_format_writes_one_json_object():
    import json

    from core.logging import JsonFormatter

    record = logging.makeLogRecord(
        {"msg": "GET /x 200", "levelname": "INFO", "name": "core.requests", "status": 200}
    )
    record.request_id = "r1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /x 200" and line["request_id"] == "r1" and line["status"] == 200


def test_anonymous_throttle_answers_429_with_retry_after(api_client, settings):
    settings.THROTTLE_ANON_RATE = "3/min"
    statuses = [api_client.get("/api/v1/auth/jwks/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api_client.get("/api/v1/auth/jwks/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "query", ["limit=-1", "limit=abc", "offset=-5", "offset=1.5", "limit=", "offset="]
)
def test_bad_pagination_params_are_validation_errors(query):
    request = Request(APIRequestFactory().get(f"/x?{query}"))
    with pytest.raises(ApplicationError) as exc:
        LimitOffsetPagination().paginate_queryset(list(range(10)), request)
    assert exc.value.code == "VALIDATION_ERROR" and exc.value.status == 400


def test_pagination_caps_limit_and_tolerates_offset_past_end():
    paginator = LimitOffsetPagination()
    request = Request(APIRequestFactory().get("/x?limit=1000&offset=0"))
    assert len(paginator.paginate_queryset(list(range(500)), request)) == 100
    request = Request(APIRequestFactory().get("/x?offset=900"))
    assert paginator.paginate_queryset(list(range(10)), request) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leaderboards/global/?limit=5&limit=10",
        "/api/v1/cosmetics/?search=a&search=b",
        "/api/v1/cosmetics/?limit=5&offset=0&offset=5",
        "/api/v1/auth/jwks/?x=1&x=2",
    ],
)
def test_a_repeated_single_valued_query_parameter_is_a_400(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 400
    error = response.json()["error"]
    repeated = path.rsplit("&", 1)[1].split("=")[0]
    assert error["code"] == "VALIDATION_ERROR" and list(error["details"]) == [repeated]


def test_a_url_over_the_limit_is_a_414_envelope(api_client):
    from core.middleware import MAX_URI_BYTES

    path = "/api/v1/cosmetics/?search="
    response = api_client.get(path + "x" * (MAX_URI_BYTES + 1 - len(path)))
    assert response.status_code == 414 and response.json()["error"]["code"] == "URI_TOO_LONG"
    assert response["X-Request-ID"]


@pytest.mark.parametrize("count, size", [(1, 8193), (101, 10)])
def test_over_large_headers_are_a_431_envelope(api_client, count, size):
    headers = {f"HTTP_X_PAD_{i}": "h" * size for i in range(count)}
    response = api_client.get("/api/v1/auth/jwks/", **headers)
    assert response.status_code == 431
    assert response.json()["error"]["code"] == "REQUEST_HEADERS_TOO_LARGE"


@override_settings(CORS_ALLOWED_ORIGINS=["https://play.1v1bro.gg"])
def test_cors_allows_configured_origin_only(api_client):
    ok = api_client.get("/api/v1/auth/jwks/", HTTP_ORIGIN="https://play.1v1bro.gg")
    assert ok["Access-Control-Allow-Origin"] == "https://play.1v1bro.gg"
    other = api_client.get("/api/v1/auth/jwks/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def test_security_headers_present(api_client):
    response = api_client.get("/healthz")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_secure_settings_switch_on_when_debug_is_off():
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base';"
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.SESSION_COOKIE_SECURE)"
    )
    root = django_settings.BASE_DIR
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "false", "SECRET_KEY": "x" * 50}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root
    )
    assert out.stdout.split() == ["True", "True", "True"], out.stderr
    env["DEBUG"] = "true"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=root
    )
    assert out.stdout.split() == ["False", "False", "False"], out.stderr
