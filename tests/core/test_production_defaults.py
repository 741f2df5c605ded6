"""The shipped production defaults: persistent, health-checked database connections outside
DEBUG/SQLite, and gunicorn workers/threads from WEB_CONCURRENCY / WEB_THREADS."""

import runpy
from pathlib import Path

from django.conf import settings

from config.settings.base import default_conn_max_age

ROOT = Path(__file__).resolve().parents[2]


def test_conn_max_age_persistent_on_postgresql_outside_debug():
    assert default_conn_max_age("django.db.backends.postgresql", debug=False) == 600


def test_conn_max_age_off_on_sqlite_and_debug():
    assert default_conn_max_age("django.db.backends.sqlite3", debug=False) == 0
    assert default_conn_max_age("django.db.backends.postgresql", debug=True) == 0


def test_health_checks_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_gunicorn_workers_and_threads_from_env(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    config = runpy.run_path(str(ROOT / "config/gunicorn.py"))
    assert (config["workers"], config["threads"], config["worker_class"]) == (2, 1, "sync")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("WEB_THREADS", "8")
    config = runpy.run_path(str(ROOT / "config/gunicorn.py"))
    assert (config["workers"], config["threads"], config["worker_class"]) == (4, 8, "gthread")
