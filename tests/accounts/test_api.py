"""Register, login, me and refresh through the API, with each error code of API.md."""

import pytest
from django.contrib.auth.hashers import identify_hasher

from accounts.models import User
from tests.accounts.conftest import PASSWORD, bearer, error_code, login

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"


def test_register_returns_tokens_and_user_and_stores_display_name(api_client):
    response = api_client.post(
        REGISTER,
        {"email": "  New.Player@Example.COM ", "password": PASSWORD, "display_name": "NewBro"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert set(body["user"]) == {"id", "email", "display_name", "two_factor_enabled", "date_joined"}
    assert body["user"]["email"] == "new.player@example.com"
    assert body["user"]["display_name"] == "NewBro"
    assert body["user"]["two_factor_enabled"] is False
    user = User.objects.get(pk=body["user"]["id"])
    assert user.profile.display_name == "NewBro"
    assert identify_hasher(user.password).algorithm == "bcrypt_sha256"
    me = bearer(body["access"]).get("/api/v1/auth/me/")
    assert me.status_code == 200 and me.json() == body["user"]


def test_register_same_email_in_other_case_is_email_taken(api_client, account):
    response = api_client.post(
        REGISTER, {"email": "ALICE@example.com", "password": PASSWORD, "display_name": "Other"}
    )
    assert response.status_code == 409
    assert error_code(response) == "AUTH_EMAIL_TAKEN"
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


@pytest.mark.parametrize(
    "password", ["short1!", "password123", "12345678901", "bob.player@example"]
)
def test_register_weak_password_is_validation_error_with_details(api_client, password):
    response = api_client.post(
        REGISTER, {"email": "bob.player@example.com", "password": password, "display_name": "Bobby"}
    )
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]["password"]
    assert not User.objects.filter(email="bob.player@example.com").exists()


def test_register_bad_fields_are_listed(api_client):
    response = api_client.post(REGISTER, {"email": "not-an-email", "display_name": "x"})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"email", "password", "display_name"}


def test_register_profile_failure_rolls_back_the_user(api_client, monkeypatch):
    import accounts.services
    import profiles.receivers

    def broken(**kwargs):
        raise RuntimeError("profile store down")

    monkeypatch.setattr(profiles.receivers, "profile_create", broken)
    with pytest.raises(RuntimeError):
        accounts.services.user_register(
            email="atomic@example.com", password=PASSWORD, display_name="Atomic"
        )
    assert not User.objects.filter(email="atomic@example.com").exists()


def test_login_returns_tokens_and_user(api_client, account):
    response = login(api_client, "Alice@Example.com")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["id"] == str(account.pk)
    assert bearer(body["access"]).get("/api/v1/auth/me/").json()["email"] == "alice@example.com"
    account.refresh_from_db()
    assert account.last_login is not None


@pytest.mark.parametrize("email", ["alice@example.com", "nobody@example.com"])
def test_wrong_password_and_unknown_email_get_the_same_answer(api_client, account, email):
    response = login(api_client, email, "Wrong-Password-1")
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "AUTH_INVALID_CREDENTIALS",
            "message": "Invalid email or password.",
            "details": {},
        }
    }


def test_inactive_user_cannot_log_in(api_client, account):
    User.objects.filter(pk=account.pk).update(is_active=False)
    assert error_code(login(api_client, account.email)) == "AUTH_INVALID_CREDENTIALS"


def test_me_without_token_is_token_invalid(api_client):
    response = api_client.get("/api/v1/auth/me/")
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_refresh_rotates_and_old_refresh_token_is_dead(api_client, account):
    tokens = login(api_client, account.email).json()
    first = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    pair = first.json()
    assert set(pair) == {"access", "refresh"} and pair["refresh"] != tokens["refresh"]
    assert bearer(pair["access"]).get("/api/v1/auth/me/").status_code == 200
    reused = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401 and error_code(reused) == "AUTH_TOKEN_INVALID"
    again = api_client.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]})
    assert again.status_code == 200


def test_refresh_with_access_token_or_garbage_is_invalid(api_client, account):
    tokens = login(api_client, account.email).json()
    for bad in (tokens["access"], "garbage", tokens["refresh"] + "x"):
        response = api_client.post("/api/v1/auth/refresh/", {"refresh": bad})
        assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_refresh_of_deactivated_user_is_refused(api_client, account):
    tokens = login(api_client, account.email).json()
    User.objects.filter(pk=account.pk).update(is_active=False)
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_refresh_issued_before_tokens_valid_after_is_refused(api_client, account):
    from django.utils import timezone

    tokens = login(api_client, account.email).json()
    User.objects.filter(pk=account.pk).update(tokens_valid_after=timezone.now())
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_expired_refresh_token_is_token_expired(api_client, account, settings):
    from datetime import timedelta

    from accounts.tokens import RefreshToken

    refresh = RefreshToken.for_user(account)
    refresh.set_exp(lifetime=timedelta(seconds=-1))
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": str(refresh)})
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_EXPIRED"


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_twice_in_parallel_rotates_once(account):
    import threading

    from django.db import connection
    from rest_framework.test import APIClient

    from accounts.tokens import issue_tokens

    refresh = issue_tokens(account)["refresh"]
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def use():
        try:
            client = APIClient()
            barrier.wait()
            statuses.append(client.post("/api/v1/auth/refresh/", {"refresh": refresh}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 401, 401, 401]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("register/", "post", {"201", "400", "409", "429"}),
        ("login/", "post", {"200", "400", "401", "403", "429"}),
        ("refresh/", "post", {"200", "400", "401"}),
        ("logout/", "post", {"204", "400", "401"}),
        ("logout-all/", "post", {"204", "401"}),
        ("me/", "get", {"200", "401"}),
        ("password/change/", "post", {"200", "400", "401", "429"}),
        ("password-reset/", "post", {"202", "400", "429"}),
        ("password-reset/confirm/", "post", {"200", "400"}),
        ("2fa/setup/", "post", {"200", "401", "409"}),
        ("2fa/verify/", "post", {"200", "400", "401", "403", "409", "429"}),
        ("2fa/disable/", "post", {"200", "400", "401", "403", "409", "429"}),
        ("jwks/", "get", {"200"}),
    ],
)
def test_schema_documents_every_auth_endpoint_with_its_errors(api_client, path, method, statuses):
    schema = api_client.get("/api/v1/schema/").json()
    operation = schema["paths"][f"/api/v1/auth/{path}"][method]
    assert statuses <= set(operation["responses"])
    assert operation["tags"] == ["auth"]
    for status, response in operation["responses"].items():
        if status.startswith(("4", "5")):
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorEnvelope")
