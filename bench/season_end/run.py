"""Season-end benchmark: seeds N rated players (set-based ``generate_series`` inserts) into a
database of its own (``--database``, default ``bench_season_end``), half of them with three
unclaimed battle-pass rewards, a season with rank rewards for every tier, then runs the season
end and prints the time of each phase beside two references measured in the same run: pgbench
(TPC-B-like, 2 clients, 10 s, before and after the end, in a scratch database ``<name>_pgbench``)
and a plain set-based INSERT of N rows; and the machine load (``uptime``).

    .venv/bin/python bench/season_end/run.py --players 1000000 [--chunk-size 5000]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_parser.add_argument("--players", type=int, default=1_000_000)
_parser.add_argument("--chunk-size", type=int, default=5000)
_parser.add_argument("--database", default="bench_season_end")
_parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
ARGS = _parser.parse_args()
DB_NAME = ARGS.database
os.environ.update(
    {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": "bench-season-end",
        "DJANGO_SETTINGS_MODULE": "bench.ranking.settings",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # the outbox relay is queued here (no worker drains it: the run measures the writes)
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/5"),
    }
)
sys.path.insert(0, str(ROOT))

TIERS = ["Bronze", "Silver", "Gold", "Platinum", "Diamond", "Master", "Grandmaster"]


def recreate_database(name: str = DB_NAME) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def pgbench(seconds: int = 10) -> float:
    """TPC-B-like transactions per second (2 clients) on a scratch database, this moment."""
    url = f"{PG}/{DB_NAME}_pgbench"
    out = subprocess.run(
        ["pgbench", "-c", "2", "-j", "2", "-T", str(seconds), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("tps"))
    return round(float(line.split("=")[1].split()[0]), 1)


def seed(players: int):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from battlepass.models import Season
    from bench.season_end.seed import seed_players, seed_progress
    from tests.battlepass.factories import coin_tiers

    call_command("migrate", verbosity=0)
    seed_players(players)
    now = timezone.now()
    season = Season.objects.create(
        season_number=1,
        name="Bench",
        start_date=now - timedelta(days=60),
        end_date=now - timedelta(minutes=1),
        xp_per_tier=1000,
        max_tier=10,
        is_active=True,
        rank_rewards=[
            {"tier": t, "rewards": [{"type": "coins", "value": str(100 * (i + 1))}]}
            for i, t in enumerate(TIERS)
        ],
    )
    coin_tiers(season, 10, free=10, premium=None)
    # half the players reached tier 3 and claimed nothing: 3 unclaimed rewards each
    seed_progress(players, season.pk, xp=3000, tier=3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return season


def reference_insert(players: int) -> float:
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_reference AS SELECT g AS id, md5(g::text) AS v, "
            "g %% 3000 AS elo FROM generate_series(1, %s) g",
            [players],
        )
        cursor.execute("DROP TABLE bench_reference")
    return time.perf_counter() - start


def main() -> None:
    args = ARGS
    recreate_database()
    recreate_database(f"{DB_NAME}_pgbench")
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", "10", f"{PG}/{DB_NAME}_pgbench"],
        capture_output=True,
        check=True,
    )
    import django

    django.setup()
    from battlepass.season_end import season_end_run

    results = {"players": args.players, "uptime_before": _uptime()}
    started = time.perf_counter()
    season = seed(args.players)
    results["seed_seconds"] = round(time.perf_counter() - started, 1)
    print(f"seeded in {results['seed_seconds']} s", file=sys.stderr, flush=True)
    results["reference_insert_seconds"] = round(reference_insert(args.players), 2)
    results["pgbench_tps_before"] = pgbench()

    phases: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(step):
        now = time.perf_counter()
        phases[step.phase] = phases.get(step.phase, 0.0) + now - last[0]
        last[0] = now
        print(
            f"{step.phase}: +{step.done} ({phases[step.phase]:.1f} s)", file=sys.stderr, flush=True
        )

    started = time.perf_counter()
    run = season_end_run(season=season, chunk_size=args.chunk_size, progress=progress)
    results["season_end_seconds"] = round(time.perf_counter() - started, 1)
    results["phase_seconds"] = {k: round(v, 2) for k, v in phases.items()}
    results["counts"] = run.counts
    results["pgbench_tps_after"] = pgbench()
    results["uptime_after"] = _uptime()
    print(json.dumps(results, indent=2))
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB_NAME)
    drop_database(f"{DB_NAME}_pgbench")


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
