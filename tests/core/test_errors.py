"""Every error under /api/ has the one envelope of API.md."""

import logging

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_unknown_route_is_not_found(api_client):
    assert_envelope(api_client.get("/api/v1/does-not-exist/"), 404, "NOT_FOUND")
    assert_envelope(api_client.post("/api/v2/anything"), 404, "NOT_FOUND")


def test_wrong_method_is_method_not_allowed(api_client):
    assert_envelope(api_client.delete("/api/v1/auth/login/"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_malformed_request(api_client):
    response = api_client.post(
        "/api/v1/test/echo/", data='{"count": 1', content_type="application/json"
    )
    assert_envelope(response, 400, "MALFORMED_REQUEST")


def test_non_json_body_is_rejected_in_the_envelope(api_client):
    response = api_client.post("/api/v1/test/echo/", data="count=1", content_type="text/plain")
    assert_envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_validation_error_lists_fields(api_client):
    error = assert_envelope(
        api_client.post("/api/v1/test/echo/", {"count": 0}), 400, "VALIDATION_ERROR"
    )
    assert "count" in error["details"]
    assert isinstance(error["details"]["count"], list)


@pytest.mark.parametrize("path", ["/api/v1/test/boom/", "/api/v1/test/plain-boom/"])
def test_unhandled_exception_is_a_500_without_traceback_and_is_logged(path, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get(path)
    error = assert_envelope(response, 500, "INTERNAL_ERROR")
    text = response.content.decode()
    assert "secret internal detail" not in text and "Traceback" not in text
    assert error["details"] == {}
    logged = [r for r in caplog.records if r.exc_info]
    assert logged, "the 500 must be logged with its traceback"
    assert "secret internal detail" in str(logged[-1].exc_info[1])


def test_missing_credentials_on_auth_endpoint(api_client):
    error = assert_envelope(api_client.get("/api/v1/auth/me/"), 401, "AUTH_TOKEN_INVALID")
    assert error["details"] == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/api/v1/auth/me/"), ("put", "/api/v1/auth/me/"), ("get", "/api/v1/auth/login/")],
)
def test_wrong_method_is_405_even_without_credentials(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response["Allow"] or "POST" in response["Allow"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_route_is_404_for_every_method_not_a_csrf_page(method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/v1/nope/", data="{}", content_type="application/json")
    assert_envelope(response, 404, "NOT_FOUND")
    missing_slash = client.post("/api/v1/auth/login", data="{}", content_type="application/json")
    assert_envelope(missing_slash, 404, "NOT_FOUND")


@pytest.mark.parametrize("offset", ["9223372036854775808", "99999999999999999999999"])
def test_huge_offset_is_an_empty_page_not_a_500(api_client, offset):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.pagination import MAX_OFFSET, page_params

    request = Request(APIRequestFactory().get(f"/x?offset={offset}"))
    assert page_params(request) == (50, MAX_OFFSET)


def test_limit_zero_is_refused(api_client):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from core.pagination import page_params

    with pytest.raises(Exception) as exc:
        page_params(Request(APIRequestFactory().get("/x?limit=0")))
    assert getattr(exc.value, "code", None) == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cosmetics/", "/api/v1/leaderboards/global/", "/api/v1/leaderboards/regional/US/"],
)
def test_huge_offset_on_real_lists_is_an_empty_page(api_client, path):
    response = api_client.get(path, {"offset": "9223372036854775808"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body.get("results", body.get("entries")) == []
