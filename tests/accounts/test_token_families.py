"""Refresh-token families (RFC 9700 §4.14): reuse of a rotated refresh token revokes every
refresh and access token descended from the same login, even with Redis down; a token rotated
a moment ago by a parallel request (two tabs) is refused without revoking anything."""

import logging
import threading

import jwt
import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import revocation
from accounts.models import TokenFamily
from core.redis import get_redis, rkey
from tests.accounts.conftest import bearer, dead_redis_client, error_code, login

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
REFRESH = "/api/v1/auth/refresh/"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refresh(client, token: str):
    return client.post(REFRESH, {"refresh": token})


def works(access: str) -> bool:
    return bearer(access).get(ME).status_code == 200


@pytest.fixture
def no_grace(settings):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 0


def test_refresh_and_access_tokens_carry_their_family(api_client, account):
    first = login(api_client, account.email).json()
    family = claims(first["refresh"])["fam"]
    assert claims(first["access"])["fam"] == family
    second = refresh(api_client, first["refresh"]).json()
    assert claims(second["refresh"])["fam"] == claims(second["access"])["fam"] == family
    other = login(api_client, account.email).json()
    assert claims(other["refresh"])["fam"] != family


def test_reuse_of_a_rotated_token_revokes_the_whole_family(api_client, account, no_grace, caplog):
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    third = refresh(api_client, second["refresh"]).json()
    elsewhere = login(api_client, account.email).json()  # another device, another family
    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        reused = refresh(api_client, first["refresh"])
    assert reused.status_code == 401 and error_code(reused) == "AUTH_TOKEN_INVALID"
    # The newest refresh token of the family and every access token it handed out are dead.
    assert error_code(refresh(api_client, third["refresh"])) == "AUTH_TOKEN_INVALID"
    assert [works(t["access"]) for t in (first, second, third)] == [False, False, False]
    assert works(elsewhere["access"])
    assert refresh(api_client, elsewhere["refresh"]).status_code == 200
    # One security event naming the user and the family, without any token text.
    family = claims(first["refresh"])["fam"]
    [event] = [r for r in caplog.records if r.name == "accounts.security"]
    assert event.levelno == logging.WARNING
    text = event.getMessage()
    assert family in text and str(account.pk) in text
    for token in (first, second, third):
        assert token["refresh"] not in text and token["access"] not in text
    row = TokenFamily.objects.get(pk=family)
    assert row.revoked_at is not None and row.revoked_reason == "reuse"


def test_an_attacker_who_rotated_first_is_cut_off_when_the_user_comes_back(account, no_grace):
    user, attacker = APIClient(), APIClient()
    stolen = login(user, account.email).json()
    attackers = refresh(attacker, stolen["refresh"]).json()  # the thief rotates first
    assert works(attackers["access"])
    denied = refresh(user, stolen["refresh"])  # the real user's refresh: reuse
    assert denied.status_code == 401
    assert not works(attackers["access"])
    assert refresh(attacker, attackers["refresh"]).status_code == 401


def test_reuse_within_the_grace_window_is_refused_without_revoking(
    api_client, account, settings, caplog
):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 3600
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        again = refresh(api_client, first["refresh"])  # the other tab, a moment late
    assert again.status_code == 401 and error_code(again) == "AUTH_TOKEN_INVALID"
    assert "just rotated" in again.json()["error"]["message"]
    assert not [r for r in caplog.records if r.name == "accounts.security"]
    assert works(second["access"]) and works(first["access"])
    assert refresh(api_client, second["refresh"]).status_code == 200


def test_the_grace_window_covers_only_the_token_rotated_last(api_client, account, settings):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 3600
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    third = refresh(api_client, second["refresh"]).json()
    assert refresh(api_client, first["refresh"]).status_code == 401  # two rotations back
    assert not works(third["access"])
    assert refresh(api_client, third["refresh"]).status_code == 401


def _refresh_in_parallel(token: str, n: int) -> list[dict]:
    barrier = threading.Barrier(n)
    results: list[dict] = []
    lock = threading.Lock()

    def use():
        try:
            client = APIClient()
            barrier.wait()
            response = refresh(client, token)
            with lock:
                results.append({"status": response.status_code, "body": response.json()})
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == n
    return results


@pytest.mark.django_db(transaction=True)
def test_tabs_refreshing_at_once_keep_the_session(account, settings):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 3600
    tokens = login(APIClient(), account.email).json()
    results = _refresh_in_parallel(tokens["refresh"], 6)
    assert sorted(r["status"] for r in results) == [200] + [401] * 5
    [winner] = [r["body"] for r in results if r["status"] == 200]
    assert works(winner["access"])
    assert refresh(APIClient(), winner["refresh"]).status_code == 200
    assert TokenFamily.objects.get(pk=claims(winner["refresh"])["fam"]).revoked_at is None


@pytest.mark.django_db(transaction=True)
def test_without_a_grace_window_parallel_reuse_revokes_the_family(account, settings):
    settings.AUTH_REFRESH_REUSE_GRACE_SECONDS = 0
    tokens = login(APIClient(), account.email).json()
    results = _refresh_in_parallel(tokens["refresh"], 4)
    assert sorted(r["status"] for r in results) == [200, 401, 401, 401]
    [winner] = [r["body"] for r in results if r["status"] == 200]
    assert not works(winner["access"])
    assert refresh(APIClient(), winner["refresh"]).status_code == 401


def test_a_revoked_family_is_refused_with_redis_down(api_client, account, no_grace, monkeypatch):
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    refresh(api_client, first["refresh"])  # reuse: revoked in Redis and in the database
    family = claims(second["access"])["fam"]
    key = rkey("auth", "revoked-family", family)
    assert get_redis().exists(key) == 1
    assert 0 < get_redis().ttl(key) <= 15 * 60 + 2
    monkeypatch.setattr(revocation, "get_redis", dead_redis_client)
    assert not works(second["access"])  # read from the database
    assert works(login(api_client, account.email).json()["access"])


def test_a_revocation_redis_missed_is_enforced_from_the_database(
    api_client, account, no_grace, monkeypatch
):
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    with monkeypatch.context() as patched:
        patched.setattr(revocation, "get_redis", dead_redis_client)
        assert refresh(api_client, first["refresh"]).status_code == 401
    # Redis is back but never got the entry: the user is flagged, the database decides.
    account.refresh_from_db()
    assert account.denylist_in_db_until is not None
    assert not get_redis().exists(rkey("auth", "revoked-family", claims(second["access"])["fam"]))
    assert not works(second["access"])
    assert works(login(api_client, account.email).json()["access"])


def test_without_redis_the_database_holds_revoked_families(
    api_client, account, no_grace, monkeypatch
):
    monkeypatch.setattr(revocation, "get_redis", lambda: None)
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    refresh(api_client, first["refresh"])
    assert not works(second["access"])


def test_logout_ends_the_whole_session(api_client, account):
    first = login(api_client, account.email).json()
    second = refresh(api_client, first["refresh"]).json()
    other = login(api_client, account.email).json()
    response = bearer(second["access"]).post("/api/v1/auth/logout/", {"refresh": second["refresh"]})
    assert response.status_code == 204
    assert not works(first["access"]) and not works(second["access"])
    assert works(other["access"])
    row = TokenFamily.objects.get(pk=claims(second["refresh"])["fam"])
    assert row.revoked_reason == "logout"


def test_a_refresh_token_without_a_family_is_refused(api_client, account):
    from accounts.tokens import RefreshToken

    legacy = RefreshToken.for_user(account)  # signed, but no family recorded
    response = refresh(api_client, str(legacy))
    assert response.status_code == 401 and error_code(response) == "AUTH_TOKEN_INVALID"


def test_expired_families_are_pruned(account):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tokens import issue_tokens

    family = claims(issue_tokens(account)["refresh"])["fam"]
    TokenFamily.objects.filter(pk=family).update(expires_at=timezone.now() - timedelta(seconds=1))
    revocation.expired_tokens_prune()
    assert not TokenFamily.objects.filter(pk=family).exists()
