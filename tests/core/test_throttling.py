"""The default request throttle (``core.throttling``): one fixed window per caller, one Redis
round trip per request, per-process counting while Redis does not answer."""

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from core import ratelimit
from core.apps import _check_throttle_rates
from core.redis import get_redis, rkey
from core.throttling import parse_rate
from tests.accounts.conftest import dead_redis_client
from tests.conftest import bearer_client
from tests.factories import UserFactory

JWKS = "/api/v1/auth/jwks/"
ME = "/api/v1/auth/me/"


@pytest.fixture(autouse=True)
def _fresh_memory_windows():
    ratelimit.memory_windows.clear()
    yield
    ratelimit.memory_windows.clear()


def test_anonymous_callers_are_counted_by_ip(api_client, settings):
    settings.THROTTLE_ANON_RATE = "2/min"
    assert [api_client.get(JWKS).status_code for _ in range(3)] == [200, 200, 429]
    other = api_client.get(JWKS, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200  # another address has its own window
    assert get_redis().get(rkey("rl", "throttle-anon", "127.0.0.1")) == "3"


@pytest.mark.django_db
def test_users_are_counted_by_account_not_address(settings):
    settings.THROTTLE_USER_RATE = "2/min"
    settings.THROTTLE_ANON_RATE = "1000/min"
    user = UserFactory()
    first, second = bearer_client(user), bearer_client(user)  # two sessions, one account
    statuses = [first.get(ME, REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(2)]
    refused = second.get(ME, REMOTE_ADDR="198.51.100.99")
    assert statuses == [200, 200] and refused.status_code == 429
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert int(refused["Retry-After"]) in (59, 60)  # the rest of the 60 s window just opened
    assert bearer_client(UserFactory()).get(ME).status_code == 200  # others are not affected


class CountingRedis(redis.Redis):
    commands: list[str] = []

    def execute_command(self, *args, **options):
        CountingRedis.commands.append(str(args[0]))
        return super().execute_command(*args, **options)


def test_one_redis_command_per_request(api_client, settings, monkeypatch):
    counting = CountingRedis.from_url(settings.REDIS_URL, decode_responses=True)
    monkeypatch.setattr(ratelimit, "get_redis", lambda: counting)
    CountingRedis.commands = []
    api_client.get(JWKS)
    assert CountingRedis.commands == ["EVAL"]


def test_redis_outage_counts_in_this_process_instead_of_failing_open(
    api_client, settings, monkeypatch
):
    settings.THROTTLE_ANON_RATE = "2/min"
    monkeypatch.setattr(ratelimit, "get_redis", dead_redis_client)
    assert [api_client.get(JWKS).status_code for _ in range(3)] == [200, 200, 429]


@given(
    count=st.integers(1, 10**9),
    unit=st.sampled_from(["s", "sec", "m", "min", "h", "hour", "d", "day"]),
)
def test_rates_in_drf_notation(count, unit):
    rate = parse_rate(f"{count}/{unit}")
    assert rate.limit == count
    assert rate.window == {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit[0]]


@pytest.mark.parametrize("bad", ["120", "x/min", "120/fortnight", "0/min", "-1/min"])
def test_a_bad_rate_stops_the_start(settings, bad):
    settings.THROTTLE_USER_RATE = bad
    with pytest.raises(ImproperlyConfigured, match="THROTTLE_USER_RATE"):
        _check_throttle_rates()
