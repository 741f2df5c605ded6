"""Multiprocess mode: a real gunicorn with 2 workers that are replaced every few requests
(``--max-requests``) still reports every request on every scrape, whichever worker answers it,
and the directory is emptied of a previous run's values at start."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.metrics import multiprocess
from tests.events.processes import ROOT, database_url
from tests.metrics import Scrape, fetch, free_port

pytestmark = pytest.mark.integration

RESPONSES = "django_http_responses_total_by_status_view_method_total"


def _plant_stale_values(directory: Path) -> None:
    """Another process's counter left in the directory by a previous run."""
    code = (
        "from prometheus_client import Counter; "
        "Counter('stale_marker', 'left by a previous run').inc(41)"
    )
    env = {**os.environ, multiprocess.ENV: str(directory)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert list(directory.glob("counter_*.db"))


@pytest.fixture
def gunicorn(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    _plant_stale_values(directory)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        multiprocess.ENV: str(directory),
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--max-requests", "8",
            "--no-control-socket",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, tmp_path / "gunicorn.log")
        yield base, directory
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def _wait_until_up(base: str, log: Path) -> None:
    deadline = time.monotonic() + 180  # worker boots are slow on a loaded machine
    while time.monotonic() < deadline:
        try:
            if fetch(f"{base}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(log.read_text(errors="replace")[-3000:])


@pytest.mark.django_db(transaction=True)
def test_every_worker_counted_on_every_scrape(gunicorn):
    base, directory = gunicorn
    sent, errors = 30, []

    def hammer(count):
        for _ in range(count):
            status, _body = fetch(
                f"{base}/api/v1/leaderboards/global/", {"Connection": "close"}, timeout=90
            )
            if status != 200:
                errors.append(status)

    threads = [threading.Thread(target=hammer, args=(sent // 3,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    scrapes = [Scrape(fetch(f"{base}/metrics", timeout=90)[1]) for _ in range(4)]
    for scrape in scrapes:
        assert (
            scrape.value(RESPONSES, view="leaderboard-global", method="GET", status="200") == sent
        )
        assert not scrape.has("stale_marker_total")
    # Workers were replaced every 8 requests: many processes' files, all added up.
    pids = {path.stem.rsplit("_", 1)[1] for path in directory.glob("counter_*.db")}
    assert len(pids) >= 3, pids


def test_prepare_directory_empties_a_given_directory(tmp_path, monkeypatch):
    (tmp_path / "counter_123.db").write_bytes(b"x")
    (tmp_path / "histogram_9.db").write_bytes(b"x")
    (tmp_path / "keep.txt").write_text("not ours")
    monkeypatch.setenv(multiprocess.ENV, str(tmp_path))
    assert multiprocess.prepare_directory("web") == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_too_late_without_a_directory(monkeypatch):
    """prometheus_client is imported in this process: no directory can take effect any more."""
    monkeypatch.delenv(multiprocess.ENV, raising=False)
    assert multiprocess.prepare_directory("web") is None
    assert multiprocess.ENV not in os.environ


def test_private_directory_is_removed_only_by_its_owner(tmp_path, monkeypatch):
    mine, inherited = tmp_path / "mine", tmp_path / "inherited"
    mine.mkdir()
    inherited.mkdir()
    monkeypatch.setattr(
        multiprocess, "_private", {str(mine): os.getpid(), str(inherited): os.getpid() + 1}
    )
    multiprocess.remove_private_directory()
    assert not mine.exists()
    assert inherited.exists()  # a forked worker exiting leaves its parent's directory alone
