"""Guessing the game server's token: failed attempts on POST matches/ are limited per client IP
(SERVICE_TOKEN_FAILURES_IP), with Redis up or unreachable (per-process windows)."""

import pytest

from core import ratelimit
from events.models import OutboxEvent
from tests.accounts.conftest import dead_redis_client, fresh_ip
from tests.events.conftest import SERVICE_TOKEN, match_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/matches/"


@pytest.fixture
def players(make_user):
    return make_user(), make_user()


@pytest.fixture
def redis_down(monkeypatch):
    monkeypatch.setattr(ratelimit, "get_redis", dead_redis_client)


def _post(api_client, players, token: str, ip: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client.post(URL, match_payload(*players), format="json", REMOTE_ADDR=ip)


def _guessing_is_cut_off(api_client, players):
    ip = fresh_ip()
    statuses = [_post(api_client, players, f"guess-{n}", ip).status_code for n in range(10)]
    assert statuses == [401] * 10
    limited = _post(api_client, players, "guess-10", ip)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # From that IP even the right token waits for the window; other IPs are not affected.
    assert _post(api_client, players, SERVICE_TOKEN, ip).status_code == 429
    assert _post(api_client, players, SERVICE_TOKEN, fresh_ip()).status_code == 202
    assert OutboxEvent.objects.count() == 1


def test_wrong_service_tokens_are_limited_per_ip(api_client, players, settings):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    _guessing_is_cut_off(api_client, players)


def test_the_game_server_is_never_limited_for_its_own_traffic(api_client, players, settings):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    ip = fresh_ip()
    statuses = [_post(api_client, players, SERVICE_TOKEN, ip).status_code for _ in range(25)]
    assert statuses == [202] * 25


def test_the_service_token_limit_holds_with_redis_down(api_client, players, settings, redis_down):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    _guessing_is_cut_off(api_client, players)
