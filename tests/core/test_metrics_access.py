"""Who may read /metrics (web) and the worker's and consumer's metrics ports: loopback without
credentials, others only with Bearer METRICS_TOKEN; never logged, throttled or redirected."""

import logging

import pytest

from core.metrics import access, exposition
from core.redis import get_redis, rkey
from tests.metrics import Scrape, fetch

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"


def get(client, remote="127.0.0.1", token=None, **extra):
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get("/metrics", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize("remote", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_reads_without_credentials(client, remote):
    response = get(client, remote)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert Scrape(response.content.decode()).has("events_outbox_pending")


def test_remote_is_refused_when_no_token_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    for token in (None, "", "anything", "\\0unset"):
        response = get(client, "203.0.113.7", token)
        assert response.status_code in (401, 403), token
        assert response.json()["error"]["code"] in ("PERMISSION_DENIED", "AUTH_TOKEN_INVALID")
    assert get(client, "203.0.113.7").json()["error"]["code"] == "PERMISSION_DENIED"


def test_remote_needs_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    missing = get(client, "10.1.2.3")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "AUTH_TOKEN_INVALID"
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert get(client, "10.1.2.3", TOKEN[:-1]).status_code == 401
    assert get(client, "10.1.2.3", TOKEN + "x").status_code == 401
    assert get(client, "10.1.2.3", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert get(client, "10.1.2.3", TOKEN).status_code == 200
    assert get(client, "10.1.2.3", HTTP_AUTHORIZATION=f"bearer {TOKEN}").status_code == 200


def test_a_wrong_token_is_refused_from_loopback_too(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert get(client, "127.0.0.1", "wrong").status_code == 401
    assert get(client, "127.0.0.1", TOKEN).status_code == 200


def test_the_client_behind_a_trusted_proxy_is_the_forwarded_address(client, settings):
    """A proxy on the same host connects from 127.0.0.1: its clients are not loopback."""
    settings.TRUSTED_PROXY_COUNT = 1
    assert get(client, "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert get(client, "127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200
    # With no proxy trusted, a forged X-Forwarded-For changes nothing.
    settings.TRUSTED_PROXY_COUNT = 0
    assert get(client, "203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


def test_tokenless_loopback_must_name_a_local_or_allowed_host(client, settings):
    """A page whose DNS name was rebound to 127.0.0.1 cannot read the metrics in a browser; a
    scraper with the token may address the pod by IP."""
    settings.ALLOWED_HOSTS = ["api.1v1bro.example"]
    settings.METRICS_TOKEN = TOKEN
    rebound = get(client, HTTP_HOST="evil.example:8000")
    assert rebound.status_code == 400
    assert rebound.json()["error"]["code"] == "BAD_REQUEST"
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "api.1v1bro.example"):
        assert get(client, HTTP_HOST=host).status_code == 200, host
    assert get(client, "10.4.0.7", TOKEN, HTTP_HOST="10.4.0.12:8000").status_code == 200


def test_only_get_and_head(client):
    response = client.post("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert client.head("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_not_in_the_request_log_nor_the_throttles(client, caplog, settings):
    settings.SECURE_SSL_REDIRECT = True  # scrapes stay plain HTTP inside the cluster
    with caplog.at_level(logging.INFO, logger="core.requests"):
        for _ in range(5):
            assert get(client).status_code == 200
        client.get("/healthz", secure=True)
    logged = [r.getMessage() for r in caplog.records if r.name == "core.requests"]
    assert logged == [m for m in logged if "/healthz" in m] and len(logged) == 1
    throttle_key = rkey("rl", "throttle-anon", "127.0.0.1")
    assert not get_redis().exists(throttle_key)
    client.get("/api/v1/leaderboards/global/", REMOTE_ADDR="127.0.0.1", secure=True)
    assert get_redis().get(throttle_key) == "1"  # a DRF view is counted


@pytest.fixture
def port_server():
    server = exposition.serve(port=0, addr="127.0.0.1")
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_metrics_port_serves_the_same_rule(port_server, settings):
    status, body = fetch(f"{port_server}/metrics")
    assert status == 200
    assert Scrape(body).has("python_info")
    settings.METRICS_TOKEN = TOKEN
    status, body = fetch(f"{port_server}/metrics", {"Authorization": "Bearer nope"})
    assert status == 401 and "AUTH_TOKEN_INVALID" in body
    assert fetch(f"{port_server}/metrics", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    assert fetch(f"{port_server}/other")[0] == 404


@pytest.mark.parametrize(
    ("remote", "token", "expected"),
    [
        ("10.0.0.5", None, 401),
        ("10.0.0.5", "nope", 401),
        ("10.0.0.5", TOKEN, None),
        ("127.0.0.1", None, None),
        ("not-an-ip", None, 401),
        ("", None, 401),
    ],
)
def test_the_rule_on_a_wsgi_environ(settings, remote, token, expected):
    """What the worker's and consumer's ports see: a WSGI environ (their clients are remote)."""
    settings.METRICS_TOKEN = TOKEN
    environ = {"REMOTE_ADDR": remote, "HTTP_HOST": "10.0.0.9:9101"}
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if remote == "127.0.0.1":
        environ["HTTP_HOST"] = "127.0.0.1:9101"
    denied = access.check(environ)
    assert (denied.status if denied else None) == expected
