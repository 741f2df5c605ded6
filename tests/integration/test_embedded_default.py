"""``make run``'s path on the embedded defaults (SQLite, no Redis, in-process jobs and events):
migrate and seed_demo in a fresh process leave ranked demo players — every match applied by
both handlers, none failed (the PostgreSQL-only statements have their SQLite fallback)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

COUNTS = (
    "from ranking.models import MatchResult, PlayerRating; from battlepass.models import XPLog; "
    "from events.models import DeadLetter; "
    "print(MatchResult.objects.count(), PlayerRating.objects.count(), "
    "XPLog.objects.filter(source='match').count(), DeadLetter.objects.count())"
)


def _manage(env, *args) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_seed_demo_on_sqlite_ranks_the_demo_players(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EVENT_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    _manage(env, "migrate", "--noinput")
    log = _manage(env, "seed_demo")
    assert "failed" not in log.lower(), log[-3000:]
    matches, ratings, match_xp, dead = map(int, _manage(env, "shell", "-c", COUNTS).split()[-4:])
    assert (matches, ratings, dead) == (40, 12, 0)
    assert match_xp == 80  # both players of each match
