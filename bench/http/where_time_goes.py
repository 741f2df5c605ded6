"""Where the time of one request goes, in process: for each row of ``bench/http/run.py``, the CPU
milliseconds per request (``time.process_time``, so a busy machine distorts it less than wall
time), SQL statements and Redis commands per request, and the top functions by cumulative time
(cProfile).

    .venv/bin/python bench/http/where_time_goes.py --players 20000 --requests 300 [--top 15] [--cold]

Warm by default (each of the 200 tokens and rating paths asked once before measuring, as
``run.py`` does); ``--cold`` measures mostly first requests (cache fills).
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.http.run import ROWS, seed  # noqa: E402  (sets the environment)
from bench.ranking.run import clear_redis, drop_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="print the top N functions per row")
    parser.add_argument(
        "--cold", action="store_true", help="warm 20 requests only: most callers are new"
    )
    opts = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.redis import get_redis

    seeded = seed(opts.players)
    client = Client(HTTP_HOST="127.0.0.1")
    redis = get_redis()
    try:
        print("\n| endpoint | CPU ms/request | SQL/request | Redis commands/request |")
        print("|---|---|---|---|")
        for name, path, authenticated in ROWS:
            paths = [path] if path else [f"/api/v1/ratings/{u}/" for u in seeded["rated"]]
            tokens = seeded["tokens"]

            def one(i, name=name, paths=paths, tokens=tokens, authenticated=authenticated):
                headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[i % len(tokens)]}"}
                response = client.get(paths[i % len(paths)], **(headers if authenticated else {}))
                assert response.status_code == 200, (name, response.status_code)

            # Warm connections, and (unless --cold) every token's and path's cache entries.
            for i in range(20 if opts.cold else max(len(paths), len(tokens)) + 20):
                one(i)
            redis.config_resetstat()
            with CaptureQueriesContext(connection) as queries:
                started = time.process_time()
                profile = cProfile.Profile() if opts.top else None
                if profile:
                    profile.enable()
                for i in range(opts.requests):
                    one(i)
                if profile:
                    profile.disable()
                cpu = (time.process_time() - started) * 1000 / opts.requests
            commands = sum(s["calls"] for s in redis.info("commandstats").values()) - 1
            print(
                f"| `{name}` | {cpu:.2f} | {len(queries) / opts.requests:.1f} "
                f"| {commands / opts.requests:.1f} |",
                flush=True,
            )
            if profile:
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(opts.top)
                print(out.getvalue())
    finally:
        clear_redis()
        drop_database()
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
