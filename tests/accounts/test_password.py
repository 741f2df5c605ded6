"""Password change and reset: validation, single-use tokens, no enumeration, sessions revoked."""

import re
from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import User
from accounts.password_reset import password_reset_token_make
from accounts.tokens import issue_tokens
from tests.accounts.conftest import PASSWORD, bearer, error_code, fresh_ip, login

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password/change/"
RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
NEW_PASSWORD = "Brand-New-Secret-77"


def _request_reset(client, email, capture):
    with capture(execute=True):
        return client.post(RESET, {"email": email}, REMOTE_ADDR=fresh_ip())


def _mailed_token() -> str:
    return re.search(r"^([A-Za-z0-9_-]+\.[0-9a-z]+-[0-9a-f]+)$", mail.outbox[-1].body, re.M).group(
        1
    )


def test_password_change_sets_password_and_revokes_every_session(api_client, account):
    tokens = login(api_client, account.email).json()
    other = login(api_client, account.email).json()
    response = bearer(tokens["access"]).post(
        CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200 and response.json() == {}
    for session in (tokens, other):
        assert bearer(session["access"]).get("/api/v1/auth/me/").status_code == 401
        refreshed = api_client.post("/api/v1/auth/refresh/", {"refresh": session["refresh"]})
        assert error_code(refreshed) == "AUTH_TOKEN_INVALID"
    assert login(api_client, account.email).status_code == 401
    assert login(api_client, account.email, NEW_PASSWORD).status_code == 200


def test_password_change_with_wrong_old_password_or_weak_new_one_changes_nothing(account):
    client = bearer(issue_tokens(account)["access"])
    wrong = client.post(CHANGE, {"old_password": "Not-It-123", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "old_password" in wrong.json()["error"]["details"]
    weak = client.post(CHANGE, {"old_password": PASSWORD, "new_password": "12345678"})
    assert weak.status_code == 400 and weak.json()["error"]["details"]["new_password"]
    assert User.objects.get(pk=account.pk).check_password(PASSWORD)
    assert client.get("/api/v1/auth/me/").status_code == 200


def test_password_reset_mails_a_token_that_works_once_and_revokes_sessions(
    api_client, account, django_capture_on_commit_callbacks
):
    session = issue_tokens(account)
    response = _request_reset(api_client, "ALICE@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 202 and response.json() == {}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
    token = _mailed_token()

    ok = api_client.post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert ok.status_code == 200 and ok.json() == {}
    assert login(api_client, account.email, NEW_PASSWORD).status_code == 200
    assert bearer(session["access"]).get("/api/v1/auth/me/").status_code == 401
    assert (
        api_client.post("/api/v1/auth/refresh/", {"refresh": session["refresh"]}).status_code == 401
    )

    reused = api_client.post(CONFIRM, {"token": token, "new_password": "Another-Secret-88"})
    assert reused.status_code == 400 and "token" in reused.json()["error"]["details"]
    assert User.objects.get(pk=account.pk).check_password(NEW_PASSWORD)


def test_reset_request_does_not_reveal_whether_the_email_exists(
    api_client, account, django_capture_on_commit_callbacks
):
    known = _request_reset(api_client, account.email, django_capture_on_commit_callbacks)
    unknown = _request_reset(api_client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    drop = {"X-Request-ID"}
    assert {k: v for k, v in known.items() if k not in drop} == {
        k: v for k, v in unknown.items() if k not in drop
    }
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_reset_token_dies_when_the_password_changes_otherwise(api_client, account):
    token = password_reset_token_make(account)
    account.set_password("Changed-Elsewhere-5")
    account.save()
    response = api_client.post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"


def test_reset_token_expires(api_client, account, settings, monkeypatch):
    import accounts.password_reset as password_reset

    token = password_reset_token_make(account)
    settings.PASSWORD_RESET_TIMEOUT = 60
    real_now = password_reset.token_generator._now
    monkeypatch.setattr(
        password_reset.token_generator,
        "_now",
        lambda: real_now() + timedelta(seconds=61),
    )
    response = api_client.post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and "token" in response.json()["error"]["details"]


@pytest.mark.parametrize("token", ["", "garbage", "bm90LWEtdXVpZA.abc-def", "a.b.c"])
def test_malformed_reset_tokens_are_validation_errors(api_client, account, token):
    response = api_client.post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"


def test_reset_confirm_validates_the_new_password_and_keeps_the_token_usable(api_client, account):
    token = password_reset_token_make(account)
    weak = api_client.post(CONFIRM, {"token": token, "new_password": "alice@example.com"})
    assert weak.status_code == 400 and weak.json()["error"]["details"]["new_password"]
    ok = api_client.post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert ok.status_code == 200


def test_reset_requests_are_rate_limited(api_client, account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            api_client.post(RESET, {"email": "x@example.com"}, REMOTE_ADDR="192.0.2.9").status_code
            for _ in range(6)
        ]
        per_email = [
            api_client.post(RESET, {"email": account.email}, REMOTE_ADDR=fresh_ip()).status_code
            for _ in range(6)
        ]
    assert statuses == [202] * 5 + [429]
    assert per_email == [202] * 5 + [429]
    assert len(mail.outbox) == 5


def test_a_failing_mail_server_does_not_show_in_the_answer(
    api_client, account, monkeypatch, django_capture_on_commit_callbacks
):
    import accounts.password_reset as password_reset

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(password_reset, "send_mail", broken)
    response = _request_reset(api_client, account.email, django_capture_on_commit_callbacks)
    assert response.status_code == 202 and response.json() == {}


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_mail_is_sent_from_a_thread_after_the_answer(
    api_client, account, settings, monkeypatch
):
    import threading

    import accounts.password_reset as password_reset

    settings.PASSWORD_RESET_MAIL_THREAD = True
    started: list[threading.Thread] = []

    class RecordedThread(threading.Thread):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(password_reset, "Thread", RecordedThread)
    known = api_client.post(RESET, {"email": account.email}, REMOTE_ADDR=fresh_ip())
    unknown = api_client.post(RESET, {"email": "nobody@example.com"}, REMOTE_ADDR=fresh_ip())
    assert known.status_code == unknown.status_code == 202
    assert len(started) == 2  # the same work for both addresses
    for thread in started:
        thread.join()
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
