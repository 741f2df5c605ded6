"""Health and readiness probes, the OpenAPI schema and docs, the embedded default."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import override_settings
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_healthz(api_client):
    response = api_client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_ok_with_database_and_redis(api_client):
    response = api_client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readyz_names_redis_when_it_is_down_within_two_seconds(api_client, caplog):
    port = _closed_port()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{port}/0"):
        started = time.monotonic()
        response = api_client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "failed"},
        "failed": ["redis"],
    }
    assert str(port) not in response.content.decode()  # the driver's text stays in the log
    assert str(port) in caplog.text and "redis" in caplog.text
    assert elapsed < 2


def test_readyz_names_the_database_and_never_its_error_text():
    """A process whose database is unreachable (a closed port): 503 naming "database" only,
    the driver's error (host, port) logged."""
    port = _closed_port()
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/readyz'); print(r.status_code); print(r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/nowhere",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "failed", "redis": "ok"},
        "failed": ["database"],
    }
    assert str(port) not in body and "127.0.0.1" not in body
    assert "Readiness check database unavailable" in result.stderr and str(port) in result.stderr


def test_readyz_unroutable_redis_does_not_hang(api_client):
    # 10.255.255.1 is never answered here; the connect timeout must cut it short.
    with override_settings(REDIS_URL="redis://10.255.255.1:6379/0"):
        started = time.monotonic()
        response = api_client.get("/readyz")
    assert response.status_code == 503 and time.monotonic() - started < 2


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/auth/login/" in schema["paths"]
    # Default throttles apply to every operation, so every operation documents 429.
    unthrottled = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "429" not in operation["responses"]
    ]
    assert unthrottled == []


def test_docs_page_is_html_served_locally(api_client):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, path: str, body: dict, token: str = "") -> tuple[int, dict]:
    import json

    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def _parallel_writers(port: int, count: int) -> list[int]:
    """``count`` players take their daily bonus at once: transactions that read, then write."""
    from concurrent.futures import ThreadPoolExecutor

    tokens = []
    for i in range(count):
        status, body = _post(
            port,
            "/api/v1/auth/register/",
            {
                "email": f"p{i}@example.com",
                "password": "Sqlite-Writers-42",
                "display_name": f"W{i}xx",
            },
        )
        assert status == 201, status
        tokens.append(body["access"])
    with ThreadPoolExecutor(count) as pool:
        return sorted(
            pool.map(lambda t: _post(port, "/api/v1/battlepass/daily-bonus/", {}, t)[0], tokens)
        )


def test_embedded_default_starts_and_answers_healthz(tmp_path):
    """No DATABASE_URL, REDIS_URL or broker: SQLite file, local memory, in-process jobs."""
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "true",
        "LOCAL_STATE_DIR": str(tmp_path / "local"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    root = settings.BASE_DIR
    manage = [sys.executable, str(root / "manage.py")]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"], env=env, cwd=root, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert r.status == 200
        # Concurrent writers on SQLite wait for the lock instead of failing with a 500.
        assert _parallel_writers(port, count=6) == [200] * 6
    finally:
        server.terminate()
        server.wait(10)
