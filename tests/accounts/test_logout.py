"""Logout (both tokens dead at once), logout-all, and the denylist's Redis/database fallback."""

import jwt
import pytest

from accounts import revocation
from accounts.models import AccessTokenDenial, User
from accounts.tokens import issue_tokens
from tests.accounts.conftest import bearer, dead_redis_client, error_code, login

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


def _logout(tokens, refresh=None):
    return bearer(tokens["access"]).post(
        "/api/v1/auth/logout/", {"refresh": refresh or tokens["refresh"]}
    )


def test_logout_kills_refresh_and_access_token_at_once(api_client, account):
    tokens = login(api_client, account.email).json()
    other = login(api_client, account.email).json()  # another device stays logged in
    response = _logout(tokens)
    assert response.status_code == 204 and response.content == b""
    me = bearer(tokens["access"]).get(ME)
    assert me.status_code == 401 and error_code(me) == "AUTH_TOKEN_INVALID"
    refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert error_code(refresh) == "AUTH_TOKEN_INVALID"
    assert bearer(other["access"]).get(ME).status_code == 200
    assert (
        api_client.post("/api/v1/auth/refresh/", {"refresh": other["refresh"]}).status_code == 200
    )


def test_logout_denylist_entry_is_in_redis_and_in_the_database(account):
    from core.redis import get_redis, rkey

    tokens = issue_tokens(account)
    assert _logout(tokens).status_code == 204
    jti = jwt.decode(tokens["access"], options={"verify_signature": False})["jti"]
    assert get_redis().exists(rkey("auth", "denied-jti", jti)) == 1
    ttl = get_redis().ttl(rkey("auth", "denied-jti", jti))
    assert 0 < ttl <= 15 * 60 + 1
    assert AccessTokenDenial.objects.filter(jti=jti, user=account).exists()


def test_logout_with_another_users_refresh_token_is_refused_and_changes_nothing(account, user):
    mine = issue_tokens(account)
    theirs = issue_tokens(user)
    response = _logout(mine, refresh=theirs["refresh"])
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"
    assert bearer(mine["access"]).get(ME).status_code == 200
    assert bearer(theirs["access"]).get(ME).status_code == 200


def test_logout_with_garbage_refresh_token_is_refused(account):
    tokens = issue_tokens(account)
    assert error_code(_logout(tokens, refresh="garbage")) == "AUTH_TOKEN_INVALID"
    assert bearer(tokens["access"]).get(ME).status_code == 200


def test_logout_twice_with_an_already_used_refresh_token_still_denies_the_access(account):
    first = issue_tokens(account)
    assert _logout(first).status_code == 204
    second = issue_tokens(account)
    assert _logout(second, refresh=first["refresh"]).status_code == 204
    assert bearer(second["access"]).get(ME).status_code == 401


def test_logout_needs_authentication(api_client, account):
    tokens = issue_tokens(account)
    response = api_client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]})
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_logout_all_kills_every_session(api_client, account):
    sessions = [login(api_client, account.email).json() for _ in range(3)]
    response = bearer(sessions[0]["access"]).post("/api/v1/auth/logout-all/")
    assert response.status_code == 204
    for tokens in sessions:
        assert error_code(bearer(tokens["access"]).get(ME)) == "AUTH_TOKEN_INVALID"
        refreshed = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
        assert error_code(refreshed) == "AUTH_TOKEN_INVALID"
    # A login right after works at once (iat is finer than a second).
    fresh = login(api_client, account.email).json()
    assert bearer(fresh["access"]).get(ME).status_code == 200


def _dead_redis(monkeypatch):
    from accounts import auth_cache

    monkeypatch.setattr(revocation, "get_redis", dead_redis_client)
    monkeypatch.setattr(auth_cache, "get_redis", dead_redis_client)


def test_when_redis_is_down_logged_out_tokens_are_still_refused(account, monkeypatch):
    tokens = issue_tokens(account)
    assert _logout(tokens).status_code == 204  # written to Redis and the database
    _dead_redis(monkeypatch)
    assert bearer(tokens["access"]).get(ME).status_code == 401  # read from the database
    assert bearer(issue_tokens(account)["access"]).get(ME).status_code == 200


def test_a_logout_redis_missed_is_enforced_from_the_database(account, monkeypatch):
    tokens = issue_tokens(account)
    with monkeypatch.context() as patched:
        _dead_redis(patched)
        assert _logout(tokens).status_code == 204
    # Redis is back but never got the entry: the user is flagged, so the database decides.
    account.refresh_from_db()
    assert account.denylist_in_db_until is not None
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert bearer(issue_tokens(account)["access"]).get(ME).status_code == 200


def test_without_redis_the_database_is_the_denylist(account, monkeypatch):
    monkeypatch.setattr(revocation, "get_redis", lambda: None)
    tokens = issue_tokens(account)
    assert _logout(tokens).status_code == 204
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert bearer(issue_tokens(account)["access"]).get(ME).status_code == 200


def test_expired_denials_are_pruned(account):
    from datetime import timedelta

    from django.utils import timezone

    AccessTokenDenial.objects.create(
        jti="old", user=account, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert revocation.expired_tokens_prune() >= 1
    assert not AccessTokenDenial.objects.filter(jti="old").exists()


def test_deactivated_user_tokens_stop_at_once_and_signal_is_sent(
    account, django_capture_on_commit_callbacks
):
    from accounts.services import user_deactivate
    from accounts.signals import user_deactivated

    tokens = issue_tokens(account)
    received = []

    def receiver(sender, user_id, **kwargs):
        received.append(user_id)

    user_deactivated.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            user_deactivate(user=account)
            assert received == []  # only after commit
    finally:
        user_deactivated.disconnect(receiver)
    assert received == [account.pk]
    assert not User.objects.get(pk=account.pk).is_active
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert (
        bearer(tokens["access"])
        .post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
        .status_code
        == 401
    )
