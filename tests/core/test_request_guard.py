"""Requests an attacker shapes to break the parser or the host check: deep JSON is a 400
MALFORMED_REQUEST, a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413 REQUEST_TOO_LARGE, an unknown
Host under /api/ the 400 envelope — never a 500 or Django's HTML page."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.accounts.conftest import fresh_ip

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response.json()["error"]


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture
def service_client(settings) -> APIClient:
    settings.GAME_SERVICE_TOKEN = "service-token-for-tests"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer service-token-for-tests")
    return client


@pytest.mark.parametrize("depth", [65, 1_000, 5_000, 100_000])
@pytest.mark.parametrize("kind", ["array", "object"])
def test_deeply_nested_json_is_malformed_not_a_500(
    api_client, auth_client, service_client, depth, kind
):
    body = _nested(depth, kind)
    for client, method, path in (
        (api_client, "post", "/api/v1/auth/login/"),
        (auth_client, "patch", "/api/v1/profiles/me/"),
        (service_client, "post", "/api/v1/matches/"),
        (auth_client, "post", "/api/v1/notifications/read/"),
    ):
        response = client.generic(
            method.upper(), path, body, content_type="application/json", REMOTE_ADDR=fresh_ip()
        )
        assert response.status_code == 400, (path, response.status_code)
        assert _error(response)["code"] == "MALFORMED_REQUEST"


def test_json_nested_within_the_limit_is_parsed(auth_client):
    body = json.dumps({"social_links": _nested_value(60)})
    response = auth_client.generic(
        "PATCH", "/api/v1/profiles/me/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "PROFILE_VALIDATION_ERROR"  # a field error, not a parse one


def _nested_value(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = {"twitch": value}
    return value


@pytest.mark.parametrize(
    ("method", "path", "authed"),
    [
        ("POST", "/api/v1/auth/login/", False),
        ("POST", "/api/v1/auth/register/", False),
        ("PATCH", "/api/v1/profiles/me/", True),
        ("POST", "/api/v1/matches/", False),
    ],
)
def test_a_body_over_the_memory_limit_is_413(
    api_client, auth_client, settings, method, path, authed
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"email": "a" * 20_000, "password": "x", "display_name": "abc"})
    client = auth_client if authed else api_client
    response = client.generic(method, path, body, content_type="application/json")
    assert response.status_code == 413
    assert _error(response)["code"] == "REQUEST_TOO_LARGE"


def test_the_default_memory_limit_applies(api_client):
    body = json.dumps({"email": "a" * 3_000_000, "password": "x"})
    response = api_client.generic(
        "POST", "/api/v1/auth/login/", body, content_type="application/json"
    )
    assert response.status_code == 413 and _error(response)["code"] == "REQUEST_TOO_LARGE"


def test_a_body_read_past_the_limit_without_a_length_check_is_413_too():
    """Django raises RequestDataTooBig when the body is read; the handler turns it into 413."""
    from django.core.exceptions import RequestDataTooBig

    from core.exceptions import api_exception_handler

    response = api_exception_handler(RequestDataTooBig("too big"), {"view": None})
    assert response.status_code == 413
    assert response.data["error"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/cosmetics/", "/api/v1/auth/login/", "/api/v1/nope/"])
def test_an_unknown_host_under_api_is_the_400_envelope(api_client, debug, path):
    with override_settings(ALLOWED_HOSTS=["api.1v1bro.gg"], DEBUG=debug):
        response = api_client.get(path, HTTP_HOST="evil.example")
        assert response.status_code == 400
        error = _error(response)
        assert error["code"] == "MALFORMED_REQUEST" and "evil" not in error["message"]
        assert api_client.get("/api/v1/cosmetics/", HTTP_HOST="api.1v1bro.gg").status_code == 200
