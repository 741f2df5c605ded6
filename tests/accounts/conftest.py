"""Accounts test helpers. bcrypt at cost 12 takes ~0.25 s per hash or check, so these tests hash
at cost 4 (same algorithm, same code paths); the property tests check the real setting."""

import time

import pytest
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher, make_password
from django_otp.oath import TOTP
from rest_framework.test import APIClient

from tests.factories import fast_password_hash

PASSWORD = "Correct-Horse-42!"
FAST_HASHERS = ["tests.accounts.conftest.FastBCryptSHA256PasswordHasher"]


class FastBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    rounds = 4


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # The shared factory caches one hash per process: make sure it is made with the real hasher
    # first, so other apps' tests in this worker never get a cost-4 hash from us.
    fast_password_hash()
    settings.PASSWORD_HASHERS = FAST_HASHERS
    # Reset mails inline, so tests read the outbox at once (the thread path has its own test).
    settings.PASSWORD_RESET_MAIL_THREAD = False


@pytest.fixture
def account(make_user):
    """A user whose password is PASSWORD (hashed at the fast cost)."""
    return make_user(email="alice@example.com", password=make_password(PASSWORD))


_ip_counter = iter(range(1, 10**6))


def fresh_ip() -> str:
    """A client address of its own, so a test's logins do not share a rate-limit window."""
    n = next(_ip_counter)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def login(client: APIClient, email: str, password: str = PASSWORD, ip: str | None = None, **body):
    return client.post(
        "/api/v1/auth/login/",
        {"email": email, "password": password, **body},
        REMOTE_ADDR=ip or fresh_ip(),
    )


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The device's code for the current time step (or one a few steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def error_code(response) -> str:
    return response.json()["error"]["code"]


def dead_redis_client():
    """A Redis client for a port nobody listens on (connection refused at once)."""
    import socket

    import redis

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return redis.Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.2)
