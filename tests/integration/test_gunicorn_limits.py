"""The web process as the Procfile runs it (gunicorn -c config/gunicorn.py, a real process on a
free port): requests over the documented size limits get the JSON envelope from Django (414 /
431), because gunicorn's own limits sit above them and its HTML error pages are never reached."""

import contextlib
import http.client
import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import middleware

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

pytestmark = pytest.mark.integration


def _gunicorn_config() -> dict:
    return runpy.run_path(str(ROOT / "config/gunicorn.py"))


def test_gunicorn_limits_sit_above_the_service_limits():
    config = _gunicorn_config()
    assert "-c config/gunicorn.py" in (ROOT / "Procfile").read_text()
    # the request line is "GET <uri> HTTP/1.1": method and version need a few bytes too
    assert config["limit_request_line"] >= middleware.MAX_URI_BYTES + 32
    assert config["limit_request_field_size"] > middleware.MAX_HEADER_BYTES
    assert config["limit_request_fields"] > middleware.MAX_HEADERS


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """gunicorn with the Procfile's config, bound to a socket on a free port it inherits."""
    state = tmp_path_factory.mktemp("gunicorn")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{state}/db.sqlite3",
        "LOCAL_STATE_DIR": str(state),
        "SECRET_KEY": "gunicorn-limits-test-secret-key-0123456789",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("REDIS_URL", None)
    log = state / "gunicorn.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "config/gunicorn.py", "--bind", f"fd://{sock.fileno()}"],
            cwd=ROOT,
            env=env,
            pass_fds=[sock.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    sock.close()
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            with contextlib.suppress(OSError):  # not listening yet
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            time.sleep(0.3)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _request(port: int, method: str, path: str, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def _envelope_code(content_type: str, body: bytes) -> str:
    assert content_type.startswith("application/json"), (content_type, body[:200])
    return json.loads(body)["error"]["code"]


@pytest.mark.parametrize("uri_bytes", [middleware.MAX_URI_BYTES + 1, 8100])
def test_an_over_long_url_is_a_414_envelope_not_gunicorns_page(web, uri_bytes):
    base = "/api/v1/cosmetics/?search="
    status, content_type, body = _request(web, "GET", base + "a" * (uri_bytes - len(base)))
    assert status == 414 and _envelope_code(content_type, body) == "URI_TOO_LONG"


def test_a_url_at_the_limit_is_served(web):
    base = "/healthz?pad="
    status, _, _ = _request(web, "GET", base + "a" * (middleware.MAX_URI_BYTES - len(base)))
    assert status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Padding": "a" * (middleware.MAX_HEADER_BYTES + 1)},  # over ours, under gunicorn's
        {f"X-Pad-{i}": "1" for i in range(middleware.MAX_HEADERS + 20)},
    ],
    ids=["one large header", "too many headers"],
)
def test_over_large_headers_are_a_431_envelope(web, headers):
    status, content_type, body = _request(web, "GET", "/api/v1/cosmetics/", headers)
    assert status == 431 and _envelope_code(content_type, body) == "REQUEST_HEADERS_TOO_LARGE"
