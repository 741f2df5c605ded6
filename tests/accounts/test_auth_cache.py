"""The authentication cache (accounts.auth_cache): each change to what it holds shows on the next
request, a fill racing a change never caches the old row, and an invalidation Redis missed is
enforced through the epoch once the lease is renewed — revocation never fails open."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import auth_cache, selectors
from accounts.models import AuthCacheEpoch, User
from accounts.revocation import revoke_all_sessions
from accounts.services import password_change, user_deactivate, user_reactivate
from accounts.tokens import issue_tokens
from core.redis import get_redis
from tests.accounts.conftest import PASSWORD, bearer, dead_redis_client, error_code, totp_code

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"


@pytest.fixture(autouse=True)
def _long_lease(settings):
    settings.AUTH_CACHE_LEASE_SECONDS = 300  # runs out only when a test deletes it


def _warm(account):
    """A client of a fresh login whose user entry is cached (the second request reads no SQL)."""
    client = bearer(issue_tokens(account)["access"])
    assert client.get(ME).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert len(queries) == 0, [q["sql"] for q in queries]
    return client


def _revoked(client) -> bool:
    response = client.get(ME)
    if response.status_code == 401:
        assert error_code(response) == "AUTH_TOKEN_INVALID"
        return True
    assert response.status_code == 200
    return False


@pytest.mark.parametrize(
    "change",
    [
        "logout-all",
        "password change",
        "deactivation",
        "logout",
        "revoke_all_sessions",
    ],
)
def test_a_revocation_refuses_the_cached_users_token_at_once(account, change):
    client = _warm(account)
    if change == "logout-all":
        assert client.post("/api/v1/auth/logout-all/").status_code == 204
    elif change == "password change":
        password_change(user=account, old_password=PASSWORD, new_password="Another-Horse-43!")
    elif change == "deactivation":
        user_deactivate(user=account)
    elif change == "logout":
        tokens = issue_tokens(account)
        client = bearer(tokens["access"])
        client.get(ME)  # cached under this token too
        response = client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]})
        assert response.status_code == 204
    else:
        revoke_all_sessions(user=account)
    assert _revoked(client)


def test_reactivation_shows_on_the_next_request(account):
    user_deactivate(user=account)
    assert _revoked(bearer(issue_tokens(account)["access"]))  # cached as inactive
    user_reactivate(user=account)
    assert not _revoked(bearer(issue_tokens(account)["access"]))


def test_a_display_name_change_shows_on_the_next_request(account):
    client = _warm(account)
    response = client.patch("/api/v1/profiles/me/", {"display_name": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    assert client.get(ME).json()["display_name"] == "Renamed"


def test_two_factor_on_and_off_show_on_the_next_request(account):
    client = _warm(account)
    assert client.post("/api/v1/auth/2fa/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=account)
    assert client.get(ME).json()["two_factor_enabled"] is False  # pending, not confirmed
    response = client.post("/api/v1/auth/2fa/verify/", {"code": totp_code(device)})
    assert response.status_code == 200, response.content
    assert client.get(ME).json()["two_factor_enabled"] is True
    TOTPDevice.objects.filter(user=account).delete()
    assert client.get(ME).json()["two_factor_enabled"] is False


def test_a_cached_user_is_the_same_as_one_read_from_the_database(account):
    """Every loaded field has its model type (a UUID pk, aware datetimes), whichever path."""
    revoke_all_sessions(user=account)  # a tokens_valid_after to compare
    token = issue_tokens(account)["access"]
    from accounts.tokens import AccessToken

    claims = AccessToken(token)
    cold, _ = auth_cache.user_for_token(str(account.pk), claims)
    warm, _ = auth_cache.user_for_token(str(account.pk), claims)
    fresh = User.objects.get(pk=account.pk)
    for user in (cold, warm):
        for name in selectors.AUTH_USER_FIELDS:
            assert getattr(user, name) == getattr(fresh, name), name
            assert type(getattr(user, name)) is type(getattr(fresh, name)), name
        assert user.profile_display_name == fresh.profile.display_name


def test_a_saved_user_field_shows_on_the_next_request_and_login_keeps_the_entry(account):
    client = _warm(account)
    account.email = "renamed@example.com"
    account.save()
    assert client.get(ME).json()["email"] == "renamed@example.com"
    account.save(update_fields=["last_login"])  # what login writes: not cached, entry kept
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert len(queries) == 0


def test_a_fill_racing_a_change_does_not_cache_the_old_row(account, monkeypatch):
    """The change lands between the generation read and the fill: the old row is not cached."""
    client = bearer(issue_tokens(account)["access"])
    read = selectors.user_auth_row

    def read_then_change(user_id):
        row = read(user_id)  # the old row: the change below commits after this read
        User.objects.filter(pk=account.pk).update(is_active=False)
        auth_cache.user_changed(account.pk)
        return row

    monkeypatch.setattr(selectors, "user_auth_row", read_then_change)
    assert not _revoked(client)  # this request saw the row before the change
    monkeypatch.setattr(selectors, "user_auth_row", read)
    assert _revoked(client)  # the next one does not find the old row cached


def test_an_invalidation_redis_missed_is_enforced_through_the_epoch(account, make_user):
    """Redis does not answer while a revocation drops the entry, then comes back with the old
    entry still there: once the lease is renewed (by anybody) the old entry is no longer used."""
    client = _warm(account)
    bystander = _warm(make_user())
    epoch = AuthCacheEpoch.objects.get(pk=1).value
    dead = dead_redis_client()
    original = auth_cache.get_redis
    auth_cache.get_redis = lambda: dead
    try:
        revoke_all_sessions(user=account)
    finally:
        auth_cache.get_redis = original
    assert AuthCacheEpoch.objects.get(pk=1).value > epoch
    get_redis().delete(auth_cache._lease_key())  # the lease has run out
    assert not _revoked(bystander)  # renews the lease, under the new epoch
    assert _revoked(client)


def test_without_an_epoch_row_the_first_bump_creates_it(account):
    AuthCacheEpoch.objects.all().delete()
    client = _warm(account)  # epoch 0 without the row
    auth_cache.epoch_bump()
    assert AuthCacheEpoch.objects.get(pk=1).value == 1
    get_redis().delete(auth_cache._lease_key())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    assert len(queries) == 1  # the old entry was not used


def test_when_the_cache_read_fails_the_database_decides(account, monkeypatch):
    tokens = issue_tokens(account)
    client = bearer(tokens["access"])
    client.get(ME)
    revoke_all_sessions(user=account)
    monkeypatch.setattr(auth_cache, "get_redis", dead_redis_client)
    assert _revoked(client)
    assert not _revoked(bearer(issue_tokens(account)["access"]))
