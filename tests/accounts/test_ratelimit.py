"""Login rate limits: per IP (5 per 60 s) and failed attempts per account (10 per 15 min),
atomic under concurrency, on Redis and in process memory (no Redis, or Redis down); client IP
and proxies."""

import logging
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient, APIRequestFactory

from accounts import ratelimit
from accounts.tokens import issue_tokens
from core import ratelimit as core_ratelimit
from tests.accounts.conftest import (
    PASSWORD,
    bearer,
    dead_redis_client,
    error_code,
    fresh_ip,
    login,
)

LOGIN = "/api/v1/auth/login/"


@pytest.fixture(params=["redis", "memory"])
def store(request, monkeypatch):
    """Run the test on Redis (Lua) and on the per-process windows (no Redis) alike."""
    if request.param == "memory":
        monkeypatch.setattr(core_ratelimit, "get_redis", lambda: None)
    return request.param


@pytest.mark.django_db
def test_sixth_login_from_one_ip_within_a_minute_is_rate_limited(api_client, account, store):
    ip = fresh_ip()
    statuses = [
        login(api_client, account.email, "Wrong-Pass-9", ip=ip).status_code for _ in range(5)
    ]
    assert statuses == [401] * 5
    response = login(api_client, account.email, ip=ip)  # even the right password
    assert response.status_code == 429
    assert error_code(response) == "AUTH_RATE_LIMITED"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"]["details"]["retry_after"] == int(response["Retry-After"])
    assert login(api_client, account.email).status_code == 200  # another IP is not affected


@pytest.mark.django_db
def test_successful_logins_count_against_the_ip_too(api_client, account):
    ip = fresh_ip()
    assert [login(api_client, account.email, ip=ip).status_code for _ in range(6)] == [200] * 5 + [
        429
    ]


@pytest.mark.django_db
def test_ten_failures_per_account_from_rotating_ips_lock_the_account(api_client, account, store):
    for _ in range(10):
        assert login(api_client, "ALICE@example.com", "Wrong-Pass-9").status_code == 401
    response = login(api_client, account.email)  # new IP, right password
    assert response.status_code == 429 and error_code(response) == "AUTH_RATE_LIMITED"
    assert 1 <= int(response["Retry-After"]) <= 900
    # Unknown addresses are limited the same way (no enumeration through the limiter).
    for _ in range(10):
        assert login(api_client, "ghost@example.com", "Wrong-Pass-9").status_code == 401
    assert login(api_client, "ghost@example.com", "Wrong-Pass-9").status_code == 429


@pytest.mark.django_db
def test_successful_logins_do_not_use_up_the_account_budget(api_client, account):
    for _ in range(12):
        assert login(api_client, account.email).status_code == 200


@pytest.mark.django_db
def test_with_redis_down_the_limits_still_hold_in_process_memory(
    api_client, account, monkeypatch, caplog
):
    monkeypatch.setattr(core_ratelimit, "get_redis", dead_redis_client)
    ip = fresh_ip()
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        statuses = [
            login(api_client, account.email, "Wrong-Pass-9", ip=ip).status_code for _ in range(7)
        ]
    assert statuses == [401] * 5 + [429] * 2
    for _ in range(5):  # and per account, from rotating IPs
        login(api_client, account.email, "Wrong-Pass-9")
    limited = login(api_client, account.email)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    # The outage is reported once, without a traceback, not on every request.
    reports = [r for r in caplog.records if r.name == "core.ratelimit"]
    assert len(reports) == 1
    assert "unavailable" in reports[0].getMessage() and reports[0].exc_info is None


@pytest.mark.django_db
def test_2fa_and_reset_limits_hold_with_redis_down(account, api_client, settings, monkeypatch):
    monkeypatch.setattr(core_ratelimit, "get_redis", dead_redis_client)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = bearer(issue_tokens(account)["access"])
    assert client.post("/api/v1/auth/2fa/setup/", REMOTE_ADDR=fresh_ip()).status_code == 200
    assert TOTPDevice.objects.filter(user=account).exists()
    ip = fresh_ip()
    verify = [
        client.post("/api/v1/auth/2fa/verify/", {"code": "000000"}, REMOTE_ADDR=ip).status_code
        for _ in range(6)
    ]
    assert verify == [403] * 5 + [429]
    ip = fresh_ip()
    resets = [
        api_client.post(
            "/api/v1/auth/password-reset/", {"email": f"x{n}@example.com"}, REMOTE_ADDR=ip
        ).status_code
        for n in range(6)
    ]
    assert resets == [202] * 5 + [429]


@pytest.mark.django_db
def test_a_redis_outage_is_logged_once_without_tracebacks(api_client, account, monkeypatch, caplog):
    """Everything that touches Redis is down (limits, denylist, cache, throttles)."""
    from accounts import auth_cache, revocation

    dead = dead_redis_client()
    monkeypatch.setattr(core_ratelimit, "get_redis", lambda: dead)
    monkeypatch.setattr(revocation, "get_redis", lambda: dead)
    monkeypatch.setattr(auth_cache, "get_redis", lambda: dead)
    port = dead.connection_pool.connection_kwargs["port"]
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead_cache), caplog.at_level(logging.WARNING):
        for _ in range(5):
            tokens = login(api_client, account.email).json()
            assert bearer(tokens["access"]).get("/api/v1/profiles/me/").status_code == 200
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert all(r.exc_info is None for r in warnings), [r.getMessage() for r in warnings]
    outages = [r.outage for r in warnings if hasattr(r, "outage")]
    assert "Redis (rate limits)" in outages and "Redis (token revocation)" in outages
    assert len(outages) == len(set(outages))  # once per component, not once per request


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_logins_from_one_ip_get_exactly_five_answers(account, store):
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt():
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(
                LOGIN,
                {"email": account.email, "password": PASSWORD},
                REMOTE_ADDR="203.0.113.7",
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 20
    assert statuses.count(429) == 15
    assert statuses.count(200) == 5


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIRequestFactory().post(LOGIN, **extra)


def test_client_ip_is_remote_addr_and_ignores_forwarded_for_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(_request("198.51.100.4", "1.2.3.4")) == "198.51.100.4"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the client's own entry is not trusted
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
        (2, "198.51.100.9", "198.51.100.9"),
        (1, "", "10.0.0.1"),  # header missing: the proxy itself
        (1, "not-an-ip", "not-an-ip"),
    ],
)
def test_client_ip_behind_trusted_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert ratelimit.client_ip(_request("10.0.0.1", forwarded)) == expected


def test_ipv6_clients_count_per_64_network(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    a = ratelimit.client_ip(_request("2001:db8:1:2:aaaa::1"))
    b = ratelimit.client_ip(_request("2001:db8:1:2:bbbb::9"))
    assert a == b == "2001:db8:1:2::/64"
    assert ratelimit.client_ip(_request("::ffff:192.0.2.8")) == "192.0.2.8"


def test_rate_parsing():
    assert ratelimit.Rate.parse("5/60") == ratelimit.Rate(5, 60)
    for bad in ("0/60", "5/0", "five/60"):
        with pytest.raises(ValueError):
            ratelimit.Rate.parse(bad)
