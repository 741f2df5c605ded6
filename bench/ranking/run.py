"""Ranking benchmark: seeds N rated players (COPY) into a separate database ``bench_1v1bro``
and Redis namespace ``bench``, then measures, for the Redis path and the SQL fallback, rank
lookup / top-100 page / around-me latency, HTTP throughput under gunicorn (wrk, or a Python
client without it) beside a trivial view, redis-benchmark ceilings, and backfill_elo speed.

    .venv/bin/python bench/ranking/run.py --sizes 100000 1000000 --matches 1000000
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench_1v1bro")
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_PREFIX", "bench")


def bench_env(with_redis: bool = True) -> dict[str, str]:
    return {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "REDIS_URL": REDIS if with_redis else "",
        "CACHE_KEY_PREFIX": PREFIX,
        "DJANGO_SETTINGS_MODULE": "bench.ranking.settings",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "THROTTLE_ANON_RATE": "100000000/min",
        "THROTTLE_USER_RATE": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }


os.environ.update(bench_env())
sys.path.insert(0, str(ROOT))


def recreate_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def clear_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS)
    batch = []
    for key in client.scan_iter(match=f"{PREFIX}:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            client.delete(*batch)
            batch = []
    if batch:
        client.delete(*batch)


# --- latency (in-process) -----------------------------------------------------------------------


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.99 * (len(ordered) - 1))] * 1000


def _timed(fn, args_list) -> tuple[float, float]:
    samples = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


def measure_latency(sample: list[tuple], samples: int) -> dict:
    from accounts.models import User
    from ranking import boards, leaderboard

    picks = [random.choice(sample) for _ in range(samples)]
    out = {}
    original = leaderboard.client_or_none
    for path in ("redis", "sql"):
        if path == "sql":
            leaderboard.client_or_none = lambda: None
        try:
            boards.leaderboard_page(country=None, offset=0, limit=100)  # warm-up
            out[path] = {
                "rank lookup": _timed(
                    lambda uid: boards._position(uid, 0), [(u,) for u, _ in picks]
                ),
                "top-100 page": _timed(
                    lambda: boards.leaderboard_page(country=None, offset=0, limit=100),
                    [()] * samples,
                ),
                "around-me": _timed(
                    lambda uid: boards.user_rank(user=User(pk=uid)), [(u,) for u, _ in picks]
                ),
            }
        finally:
            leaderboard.client_or_none = original
    return out


def measure_stack(tokens: list[str], samples: int) -> dict:
    """Mean ms per request through the whole Django stack (test client, no network), a
    measure that the shared machine's load disturbs less than HTTP throughput."""
    from django.test import Client

    from ranking import leaderboard

    anon = Client(HTTP_HOST="127.0.0.1")
    authed = [Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {t}") for t in tokens]

    def cost(fn) -> float:
        for i in range(20):
            fn(i)
        started = time.perf_counter()
        for i in range(samples):
            response = fn(i)
            assert response.status_code == 200, response.content[:200]
        return (time.perf_counter() - started) / samples * 1000

    out = {}
    original = leaderboard.client_or_none
    try:
        out["trivial"] = cost(lambda i: anon.get("/bench/trivial/"))
        out["trivial+auth"] = cost(lambda i: authed[i % len(authed)].get("/bench/trivial/"))
        for path in ("redis", "sql"):
            if path == "sql":
                leaderboard.client_or_none = lambda: None
            out[f"global [{path}]"] = cost(lambda i: anon.get("/api/v1/leaderboards/global/"))
            out[f"me [{path}]"] = cost(
                lambda i: authed[i % len(authed)].get("/api/v1/leaderboards/me/")
            )
    finally:
        leaderboard.client_or_none = original
    return out


# --- HTTP throughput ------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, with_redis: bool, workers: int, port: int):
        self.port = port or free_port()
        env = {**os.environ, **bench_env(with_redis)}
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--name",
                "bench-ranking",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        self.wait_until_up()

    def wait_until_up(self) -> None:
        """Until /healthz answers (and every worker had a second to boot), or RuntimeError."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1).read()
                time.sleep(1)  # every worker booted
                if self.proc.poll() is None:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _lua_list(values: list[str]) -> str:
    return "{\n" + ",\n".join(f'"{v}"' for v in values) + "\n}"


def _wrk_script(tokens: list[str] | None, paths: list[str] | None) -> str:
    """Each request takes the next token (Authorization) and the next path, round robin."""
    if not tokens and not paths:
        return ""
    header = '{["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]}' if tokens else "nil"
    path = "paths[(i % #paths) + 1]" if paths else "nil"
    return (
        f"local tokens = {_lua_list(tokens or [])}\nlocal paths = {_lua_list(paths or [])}\n"
        "local i = 0\nrequest = function()\n  i = i + 1\n"
        f'  return wrk.format("GET", {path}, {header})\nend\n'
    )


def http_throughput(
    url: str,
    tokens: list[str] | None,
    seconds: int,
    connections: int,
    paths: list[str] | None = None,
) -> dict:
    """Requests/s, median and p99 latency (ms), and non-2xx count. ``paths``: requests go to
    these paths of ``url``'s host in turn (e.g. one rating per player)."""
    if shutil.which("wrk"):
        cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_wrk_script(tokens, paths if paths and len(paths) > 1 else None))
        cmd += ["-s", script.name, url]
        subprocess.run([*cmd[:3], "-d2s", *cmd[5:]], capture_output=True, check=False)  # warm-up
        text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        os.unlink(script.name)

        def ms(label):
            m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text)
            if not m:
                return float("nan")
            return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        return {
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
            "p50": ms("50"),
            "p99": ms("99"),
            "errors": int(errors.group(1)) if errors else 0,
            "client": "wrk",
        }
    if paths and len(paths) > 1:
        raise SystemExit("several paths need wrk (apt-get install wrk)")
    return _python_client(url, tokens, seconds, connections)


def _python_client(url, tokens, seconds, connections) -> dict:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    latencies, errors = [], [0]
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(n):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        i = n
        while time.monotonic() < stop_at:
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"} if tokens else {}
            i += 1
            started = time.perf_counter()
            conn.request("GET", parts.path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += response.status >= 300

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p50, p99 = _percentiles(latencies)
    return {
        "rps": len(latencies) / seconds,
        "p50": p50,
        "p99": p99,
        "errors": errors[0],
        "client": "python",
    }


# --- redis-benchmark -----------------------------------------------------------------------------


def redis_benchmark(args: list[str], requests: int = 200_000, clients: int = 16) -> float:
    from urllib.parse import urlsplit

    exe = shutil.which("redis-benchmark")
    if not exe:
        return float("nan")
    parts = urlsplit(REDIS)
    cmd = [
        exe,
        "-h",
        parts.hostname,
        "-p",
        str(parts.port or 6379),
        "-n",
        str(requests),
        "-c",
        str(clients),
        "-q",
        *args,
    ]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.findall(r"([\d.]+) requests per second", text)
    return float(m[-1]) if m else float("nan")


# --- one size ------------------------------------------------------------------------------------


def run_size(n: int, matches: int, opts) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from accounts.tokens import issue_tokens
    from bench.ranking.seed import seed_matches, seed_players
    from ranking.backfill import backfill_elo
    from ranking.leaderboard import board_key, encode_member
    from ranking.models import PlayerRating
    from ranking.rebuild import rebuild_leaderboards, recount_board_sizes

    res: dict = {"players": n}
    print(f"\n== {n:,} players ==", flush=True)
    recreate_database()
    clear_redis()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    ids = seed_players(n)
    res["seed_seconds"] = time.monotonic() - started
    recount_board_sizes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {n:,} users+profiles+ratings in {res['seed_seconds']:.1f} s (COPY)", flush=True)
    started = time.monotonic()
    rebuild_leaderboards()
    res["rebuild_seconds"] = time.monotonic() - started
    print(f"rebuild_leaderboards: {res['rebuild_seconds']:.1f} s", flush=True)

    sample = list(PlayerRating.objects.order_by("?").values_list("user_id", "current_elo")[:2000])
    res["latency"] = measure_latency(sample, opts.samples)
    print("latency done", flush=True)

    token_users = User.objects.filter(pk__in=[u for u, _ in sample[:200]])
    tokens = [issue_tokens(u)["access"] for u in token_users]
    res["stack"] = measure_stack(tokens, opts.samples)
    print(f"in-process stack ms/request: {res['stack']}", flush=True)
    res["http"] = {}
    for with_redis in (True, False):
        server = Server(with_redis, opts.workers, opts.port)
        try:
            tag = "redis" if with_redis else "sql"
            plan = [
                ("global", "/api/v1/leaderboards/global/", None),
                ("me", "/api/v1/leaderboards/me/", tokens),
            ]
            if with_redis:
                plan = [
                    ("trivial", "/bench/trivial/", None),
                    ("trivial+auth", "/bench/trivial/", tokens),
                    *plan,
                ]
            for name, path, toks in plan:
                res["http"][f"{name} [{tag}]"] = http_throughput(
                    server.url(path), toks, opts.duration, opts.connections
                )
                print(f"http {name} [{tag}]: {res['http'][f'{name} [{tag}]']}", flush=True)
        finally:
            server.stop()

    member = encode_member(sample[0][0])
    key = board_key()
    res["redis_benchmark"] = {
        "ZREVRANK": redis_benchmark(["zrevrank", key, member]),
        "ZREVRANGE 0 99": redis_benchmark(["zrevrange", key, "0", "99", "withscores"]),
        "ZREVRANGE ±5": redis_benchmark(
            ["zrevrange", key, str(n // 2 - 5), str(n // 2 + 5), "withscores"]
        ),
    }
    print(f"redis-benchmark: {res['redis_benchmark']}", flush=True)

    if matches:
        started = time.monotonic()
        seed_matches(ids, matches)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE ranking_matchresult")
        res["match_seed_seconds"] = time.monotonic() - started
        report = backfill_elo(batch_size=50_000)
        res["backfill"] = {
            "matches": report.matches,
            "seconds": report.seconds,
            "matches_per_second": report.matches_per_second,
            "ratings_created": report.ratings_created,
            "ratings_changed": report.ratings_changed,
            "ratings_removed": report.ratings_removed,
        }
        print(f"backfill: {res['backfill']}", flush=True)
    return res


def print_report(results: list[dict]) -> None:
    print("\n## Ranking benchmark results\n")
    for res in results:
        n = res["players"]
        print(
            f"### {n:,} players (seed {res['seed_seconds']:.1f} s, rebuild {res['rebuild_seconds']:.1f} s)\n"
        )
        print("| in-process latency | Redis median / p99 (ms) | SQL fallback median / p99 (ms) |")
        print("|---|---|---|")
        for op in ("rank lookup", "top-100 page", "around-me"):
            r, s = res["latency"]["redis"][op], res["latency"]["sql"][op]
            print(f"| {op} | {r[0]:.2f} / {r[1]:.2f} | {s[0]:.2f} / {s[1]:.2f} |")
        http = res["http"]
        ceiling = http["trivial [redis]"]["rps"]
        print("\n| HTTP (gunicorn) | req/s | median / p99 (ms) | vs trivial view | non-2xx |")
        print("|---|---|---|---|---|")
        for name, h in http.items():
            print(
                f"| {name} | {h['rps']:.0f} | {h['p50']:.1f} / {h['p99']:.1f} | "
                f"{h['rps'] / ceiling:.2f}× | {h['errors']} |"
            )
        me = http["me [redis]"]["rps"]
        print(
            f"\naround-me at {n:,}: {me:.0f} req/s vs trivial view {ceiling:.0f} req/s "
            f"→ {ceiling / me:.2f}× slower (aim: within 2×; trivial+auth: "
            f"{http['trivial+auth [redis]']['rps']:.0f} req/s)"
        )
        stack = res["stack"]
        print("\n| whole Django stack, in-process | ms/request | vs trivial view |\n|---|---|---|")
        for name, value in stack.items():
            print(f"| {name} | {value:.2f} | {value / stack['trivial']:.2f}× |")
        rb = res["redis_benchmark"]
        print("\n| redis-benchmark (ceiling) | req/s |\n|---|---|")
        for name, value in rb.items():
            print(f"| {name} | {value:.0f} |")
        if "backfill" in res:
            b = res["backfill"]
            print(
                f"\nbackfill_elo: {b['matches']:,} matches in {b['seconds']:.1f} s = "
                f"{b['matches_per_second']:,.0f} matches/s (aim ≥ 5,000/s)"
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--matches", type=int, default=1_000_000, help="matches for the backfill timing (0: skip)"
    )
    parser.add_argument("--samples", type=int, default=300, help="latency samples per operation")
    parser.add_argument("--duration", type=int, default=10, help="seconds per HTTP run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--keep", action="store_true", help="keep the bench database and keys")
    parser.add_argument("--json", help="also write the results here")
    opts = parser.parse_args()

    import django

    django.setup()
    results = []
    try:
        for i, n in enumerate(opts.sizes):
            matches = opts.matches if i == len(opts.sizes) - 1 else 0
            results.append(run_size(n, matches, opts))
            print_report(results[-1:])
            if opts.json:
                Path(opts.json).write_text(json.dumps(results, indent=2))
    finally:
        if not opts.keep:
            clear_redis()
            drop_database()
    print("\n# All sizes")
    print_report(results)


if __name__ == "__main__":
    main()
