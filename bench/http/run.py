"""HTTP benchmark of the read paths (issue 15's table): gunicorn started exactly as the Procfile
does (``gunicorn -c config/gunicorn.py``, the shipped production defaults), wrk (or a Python
client without it) against each endpoint, ``/healthz`` and a trivial DRF view measured in the same
run as references. Prints req/s, p50/p99 and the ratio to ``/healthz`` per row.

    .venv/bin/python bench/http/run.py                      # 100k players
    .venv/bin/python bench/http/run.py --sizes 100000 1000000 --duration 10

Seeds a separate database (``bench_1v1bro``) and Redis namespace (``bench``) by COPY
(``bench/ranking/seed.py``), the demo shop (16 items), and drops both at the end. Throttles are
raised out of the way; everything else is the shipped default (``DEBUG=false``).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.ranking.run import (  # noqa: E402
    Server,
    bench_env,
    clear_redis,
    drop_database,
    free_port,
    http_throughput,
    recreate_database,
)

# The shipped defaults, except what would stop a benchmark (throttles); the database connection
# lifetime is the shipped one (bench_env pins it for the ranking bench).
ENV = {**bench_env(), "DJANGO_SETTINGS_MODULE": "bench.http.settings"}
del ENV["DB_CONN_MAX_AGE"]
os.environ.pop("DB_CONN_MAX_AGE", None)
os.environ.update(ENV)

# (row, path, authenticated): the issue's table, references first.
ROWS = [
    ("/healthz", "/healthz", False),
    ("trivial DRF view", "/bench/trivial/", False),
    ("auth/me/", "/api/v1/auth/me/", True),
    ("leaderboards/global/?limit=100", "/api/v1/leaderboards/global/?limit=100", False),
    ("leaderboards/regional/US/?limit=100", "/api/v1/leaderboards/regional/US/?limit=100", False),
    ("leaderboards/me/", "/api/v1/leaderboards/me/", True),
    ("ratings/{id}/", None, False),
    ("cosmetics/", "/api/v1/cosmetics/", False),
]
GOALS = {
    "auth/me/": 0.30,
    "leaderboards/me/": 0.25,
    "leaderboards/global/?limit=100": 0.50,
    "leaderboards/regional/US/?limit=100": 0.50,
    "ratings/{id}/": 0.50,
    "cosmetics/": 0.50,
}


class Gunicorn(Server):
    """``gunicorn -c config/gunicorn.py`` with the shipped defaults (workers, threads)."""

    def __init__(self):
        self.port = free_port()
        env = {**os.environ, "BIND": f"127.0.0.1:{self.port}"}
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.py", "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
        self.wait_until_up()


def seed(n: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from accounts.tokens import issue_tokens
    from bench.ranking.seed import seed_players
    from cosmetics.catalog_import import load_catalog
    from ranking.models import PlayerRating
    from ranking.rebuild import rebuild_leaderboards, recount_board_sizes

    recreate_database()
    clear_redis()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    seed_players(n)
    recount_board_sizes()
    load_catalog(ROOT / "demo" / "catalog.json")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rebuild_leaderboards()
    print(f"seeded {n:,} players and the shop in {time.monotonic() - started:.1f} s", flush=True)
    sample = list(PlayerRating.objects.order_by("?").values_list("user_id", flat=True)[:200])
    tokens = [issue_tokens(user)["access"] for user in User.objects.filter(pk__in=sample)]
    return {"tokens": tokens, "rated": [str(u) for u in sample]}


def _ratings_script(ids: list[str]) -> list[str]:
    return [f"/api/v1/ratings/{uid}/" for uid in ids]


def warm(server, paths: list[str], tokens: list[str] | None, rounds: int) -> None:
    """Each path and each token ``rounds`` times before a row is measured, so both workers'
    caches (authentication entries, kept renderings) hold what the row asks: the table is the
    steady state of players who come back, not the first request of each (``where_time_goes``
    shows that cold cost)."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    count = max(len(paths), len(tokens or ()))

    def one(i: int) -> None:
        request = urllib.request.Request(server.url(paths[i % len(paths)]))
        if tokens:
            request.add_header("Authorization", f"Bearer {tokens[i % len(tokens)]}")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(count * rounds)))


def run_size(n: int, opts) -> dict:
    seeded = seed(n)
    server = Gunicorn()
    rows = {}
    try:
        for name, path, authenticated in ROWS:
            paths = [path] if path else _ratings_script(seeded["rated"])
            tokens = seeded["tokens"] if authenticated else None
            if opts.warm_rounds:
                warm(server, paths, tokens, opts.warm_rounds)
            rows[name] = http_throughput(
                server.url(paths[0]),
                tokens,
                opts.duration,
                opts.connections,
                paths=paths,
            )
            print(f"  {name}: {rows[name]}", flush=True)
    finally:
        server.stop()
    return {"players": n, "rows": rows}


def print_report(result: dict) -> None:
    rows = result["rows"]
    base = rows["/healthz"]["rps"]
    print(f"\n## {result['players']:,} players (÷ /healthz in the same run)\n")
    print("| endpoint | req/s | p50 ms | p99 ms | ÷ /healthz | goal | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        ratio = row["rps"] / base if base else float("nan")
        goal = GOALS.get(name)
        mark = "" if goal is None else (f"≥ {goal:.2f} " + ("✓" if ratio >= goal else "✗"))
        print(
            f"| `{name}` | {row['rps']:,.0f} | {row['p50']:.2f} | {row['p99']:.2f} "
            f"| {ratio:.2f} | {mark} | {row['errors']} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--duration", type=int, default=10, help="seconds per row")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--warm-rounds", type=int, default=5, help="requests per token/path before a row (0: none)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database and keys")
    parser.add_argument("--json", help="also write the results here")
    opts = parser.parse_args()

    import django

    django.setup()
    results = []
    try:
        for n in opts.sizes:
            print(f"\n== {n:,} players ==", flush=True)
            results.append(run_size(n, opts))
            print_report(results[-1])
            if opts.json:
                Path(opts.json).write_text(json.dumps(results, indent=2))
    finally:
        if not opts.keep:
            clear_redis()
            drop_database()
    print(f"\nload average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
