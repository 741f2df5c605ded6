"""``Cache-Control: no-store`` on every response to an authenticated request and on every
response carrying tokens, so no browser cache or shared proxy keeps a player's data or tokens."""

import pytest

from tests.accounts.conftest import PASSWORD, fresh_ip

pytestmark = pytest.mark.django_db

AUTHENTICATED_GETS = [
    "/api/v1/auth/me/",
    "/api/v1/profiles/me/",
    "/api/v1/wallet/",
    "/api/v1/wallet/transactions/",
    "/api/v1/cosmetics/inventory/",
    "/api/v1/cosmetics/loadout/",
    "/api/v1/notifications/",
    "/api/v1/notifications/unread-count/",
    "/api/v1/cosmetics/",  # a public endpoint, called with a token
    "/api/v1/auth/jwks/",  # public and cacheable, but not when called with credentials
]


def _no_store(response) -> bool:
    return response.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", AUTHENTICATED_GETS)
def test_responses_to_authenticated_requests_are_not_stored(auth_client, path):
    response = auth_client.get(path)
    assert response.status_code < 500
    assert _no_store(response), (path, response.get("Cache-Control"))


def test_a_refused_token_is_answered_no_store_too(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    response = api_client.get("/api/v1/auth/me/")
    assert response.status_code == 401 and _no_store(response)


def test_every_response_carrying_tokens_is_not_stored(api_client, auth_client):
    email = "tokens@example.com"
    register = api_client.post(
        "/api/v1/auth/register/",
        {"email": email, "password": PASSWORD, "display_name": "Token Holder"},
    )
    assert register.status_code == 201 and _no_store(register)
    login = api_client.post(
        "/api/v1/auth/login/", {"email": email, "password": PASSWORD}, REMOTE_ADDR=fresh_ip()
    )
    assert login.status_code == 200 and _no_store(login)
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": login.json()["refresh"]})
    assert refresh.status_code == 200 and _no_store(refresh)
    setup = auth_client.post("/api/v1/auth/2fa/setup/")
    assert setup.status_code == 200 and "secret" in setup.json() and _no_store(setup)


def test_anonymous_public_reads_stay_cacheable(api_client):
    response = api_client.get("/api/v1/auth/jwks/")
    assert response["Cache-Control"] == "public, max-age=300"
