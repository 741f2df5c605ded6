"""Revocation details a mutation run showed unpinned: the blacklist rows of every "all
sessions" path, tokens without a numeric iat, the exact Redis expiry (+1 s), the database flag
when Redis fails, and what pruning counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import revocation
from accounts.models import AccessTokenDenial, TokenFamily, User
from accounts.services import password_change, user_deactivate, user_logout_all
from accounts.tokens import issue_tokens
from core.redis import get_redis, rkey
from tests.accounts.conftest import PASSWORD, dead_redis_client

pytestmark = pytest.mark.django_db


def _sessions(user, count=3):
    for _ in range(count):
        issue_tokens(user)
    return list(OutstandingToken.objects.filter(user=user))


def _expired_outstanding(user):
    now = timezone.now()
    return OutstandingToken.objects.create(
        user=user,
        jti=f"expired-{user.pk}",
        token="x",
        created_at=now - timedelta(days=30),
        expires_at=now - timedelta(seconds=1),
    )


@pytest.mark.parametrize("path", ["logout-all", "password change", "deactivation"])
def test_every_all_sessions_path_blacklists_each_live_refresh_token(account, make_user, path):
    live = _sessions(account)
    expired = _expired_outstanding(account)
    bystander = _sessions(make_user(), count=1)
    BlacklistedToken.objects.create(token=live[0])  # already on the list: no conflict
    if path == "logout-all":
        user_logout_all(user=account)
    elif path == "password change":
        password_change(user=account, old_password=PASSWORD, new_password="Another-Horse-43!")
    else:
        user_deactivate(user=account)
    listed = set(BlacklistedToken.objects.values_list("token_id", flat=True))
    assert listed == {token.pk for token in live}
    assert expired.pk not in listed and bystander[0].pk not in listed
    cutoff = User.objects.get(pk=account.pk).tokens_valid_after
    assert cutoff is not None and cutoff <= timezone.now()


def _with_cutoff(user):
    user.tokens_valid_after = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    return user, user.tokens_valid_after.timestamp()


@pytest.mark.parametrize("iat", [None, "1767268800", "", [], {"n": 1}])
def test_a_token_without_a_numeric_iat_counts_as_issued_before_the_cutoff(user, iat):
    user, _ = _with_cutoff(user)
    assert revocation.issued_before_cutoff(user, {"iat": iat}) is True
    assert revocation.issued_before_cutoff(user, {}) is True
    assert revocation.is_access_token_revoked(user, {"iat": iat, "jti": "j"}) is True


def test_the_cutoff_refuses_tokens_issued_at_or_before_it_only(user):
    assert revocation.issued_before_cutoff(user, {"iat": 5}) is False  # no cutoff yet
    user, cut = _with_cutoff(user)
    assert revocation.issued_before_cutoff(user, {"iat": cut}) is True
    assert revocation.issued_before_cutoff(user, {"iat": int(cut) - 1}) is True
    assert revocation.issued_before_cutoff(user, {"iat": cut + 0.001}) is False
    assert revocation.issued_before_cutoff(user, {"iat": int(cut) + 1}) is False


def _access(user, exp):
    return {"jti": f"jti-{exp}", "exp": exp, "iat": exp - 900, "user_id": str(user.pk)}


def test_denylist_entry_expires_one_second_after_the_token(account):
    exp = int(timezone.now().timestamp()) + 600
    revocation.deny_access_token(user=account, token=_access(account, exp))
    key = rkey("auth", "denied-jti", f"jti-{exp}")
    assert get_redis().expiretime(key) == exp + 1  # never gone while the token still passes
    denial = AccessTokenDenial.objects.get(jti=f"jti-{exp}")
    assert denial.expires_at == datetime.fromtimestamp(exp, UTC) and denial.user_id == account.pk


def test_revoked_family_entry_outlives_every_access_token_of_the_family(account):
    issue_tokens(account)
    family = TokenFamily.objects.get(user=account)
    revocation.family_revoke(family=family, reason=TokenFamily.Revoked.LOGOUT)
    family.refresh_from_db()
    until = family.revoked_at + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=1)
    key = rkey("auth", "revoked-family", str(family.pk))
    assert get_redis().expiretime(key) == int(until.timestamp()) + 1
    assert BlacklistedToken.objects.filter(token__jti=family.current_jti).exists()
    stamp = family.revoked_at
    revocation.family_revoke(family=family, reason=TokenFamily.Revoked.REUSE)  # no-op
    family.refresh_from_db()
    assert (family.revoked_at, family.revoked_reason) == (stamp, TokenFamily.Revoked.LOGOUT)


def test_an_expired_access_token_is_not_denied_and_old_denials_are_pruned(account):
    now = int(timezone.now().timestamp())
    AccessTokenDenial.objects.create(
        jti="stale", user=account, expires_at=timezone.now() - timedelta(seconds=5)
    )
    revocation.deny_access_token(user=account, token=_access(account, now - 1))
    assert not AccessTokenDenial.objects.filter(jti=f"jti-{now - 1}").exists()
    assert get_redis().exists(rkey("auth", "denied-jti", f"jti-{now - 1}")) == 0
    revocation.deny_access_token(user=account, token=_access(account, now + 300))
    assert set(AccessTokenDenial.objects.values_list("jti", flat=True)) == {f"jti-{now + 300}"}


def test_two_logouts_during_a_redis_failure_keep_the_later_expiry(account, monkeypatch):
    monkeypatch.setattr(revocation, "get_redis", dead_redis_client)
    now = int(timezone.now().timestamp())
    first, second = _access(account, now + 900), _access(account, now + 300)
    revocation.deny_access_token(user=account, token=first)
    account.refresh_from_db()
    assert account.denylist_in_db_until == datetime.fromtimestamp(now + 900, UTC)
    revocation.deny_access_token(user=account, token=second)  # expires sooner
    account.refresh_from_db()
    assert account.denylist_in_db_until == datetime.fromtimestamp(now + 900, UTC)
    # both denied, read from the database while the flag holds
    for token in (first, second):
        assert revocation.is_access_token_revoked(account, token) is True
    assert revocation.is_access_token_revoked(account, _access(account, now + 100)) is False


def test_a_redis_failure_flags_only_the_user_concerned(account, make_user, monkeypatch):
    other = make_user()
    monkeypatch.setattr(revocation, "get_redis", dead_redis_client)
    exp = int(timezone.now().timestamp()) + 200
    revocation.deny_access_token(user=account, token=_access(account, exp))
    assert User.objects.get(pk=other.pk).denylist_in_db_until is None


def test_prune_counts_expired_denials_and_refresh_tokens(account):
    live = _sessions(account, count=1)
    past = timezone.now() - timedelta(seconds=1)
    for jti in ("a", "b"):
        AccessTokenDenial.objects.create(jti=jti, user=account, expires_at=past)
    _expired_outstanding(account)
    assert revocation.expired_tokens_prune() == 3
    assert list(OutstandingToken.objects.all()) == live
    assert revocation.expired_tokens_prune() == 0


def test_with_redis_a_token_check_reads_no_database_once_a_db_flag_has_expired(
    account, django_assert_num_queries
):
    """One EXISTS in Redis, no query; a flag left from an old Redis failure has run out."""
    token = _access(account, int(timezone.now().timestamp()) + 300)
    token["fam"] = "4b3f7d0e-5f6a-4c1b-9d2e-3a4b5c6d7e8f"
    for flag in (None, timezone.now() - timedelta(seconds=1)):
        account.denylist_in_db_until = flag
        with django_assert_num_queries(0):
            assert revocation.is_access_token_revoked(account, token) is False
    account.denylist_in_db_until = timezone.now() + timedelta(minutes=5)
    with django_assert_num_queries(2):  # the denial, then the family
        assert revocation.is_access_token_revoked(account, token) is False


def test_all_sessions_revocation_is_all_or_nothing(account, monkeypatch):
    """A failure writing the blacklist leaves the cutoff unwritten too (one transaction)."""
    from django.db import DatabaseError

    _sessions(account, count=2)

    def failing_bulk_create(*args, **kwargs):
        raise DatabaseError("the blacklist insert failed")

    monkeypatch.setattr(BlacklistedToken.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(DatabaseError):
        revocation.revoke_all_sessions(user=account)
    assert User.objects.get(pk=account.pk).tokens_valid_after is None
    assert not BlacklistedToken.objects.exists()


def test_a_redis_failure_at_check_time_falls_back_to_the_database(account, monkeypatch):
    """Denied while Redis worked (no flag on the user), then Redis fails at the check: the
    database copy decides, the revoked token stays revoked and the live one passes."""
    now = int(timezone.now().timestamp())
    denied, live = _access(account, now + 600), _access(account, now + 601)
    revocation.deny_access_token(user=account, token=denied)
    account.refresh_from_db()
    assert account.denylist_in_db_until is None  # Redis took the entry: no database flag
    monkeypatch.setattr(revocation, "get_redis", dead_redis_client)
    assert revocation.is_access_token_revoked(account, denied) is True
    assert revocation.is_access_token_revoked(account, live) is False
