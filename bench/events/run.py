"""Events benchmark on PostgreSQL: consumer throughput (one and two ``consume_events``
processes on match.completed; one on player.levelup, a light handler, for the infrastructure's
own ceiling) beside ``pgbench`` TPS measured in the same run, outbox relay throughput, and
end-to-end latency from ``POST matches/`` to the updated rating (real Celery worker + consumer)
at ``--latency-rate`` POSTs/s, and in-process: SQL statements per match and a cProfile of
applying matches in batches (top functions written to the log directory).

Everything runs in a separate database ``bench_events_1v1bro`` (dropped at the end), a Redis
namespace and Celery queue of its own, and against the in-process gRPC Pub/Sub fake.

    .venv/bin/python bench/events/run.py --matches 3000 --latency-matches 1000
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench_events_1v1bro")
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN = f"bench-events-{os.getpid()}"
TOKEN = "bench-game-service-token"

ENV = {
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": REDIS,
    "CACHE_KEY_PREFIX": RUN,
    "CELERY_BROKER_URL": REDIS,
    "BENCH_QUEUE": RUN,
    "DJANGO_SETTINGS_MODULE": "bench.events.settings",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "DB_CONN_MAX_AGE": "600",
    "EVENT_BACKEND": "pubsub",
    "GCP_PROJECT": "bench",
    "GAME_SERVICE_TOKEN": TOKEN,
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def setup_database(players: int):
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")
    call_command("migrate", verbosity=0)
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from battlepass.models import BattlePassTier, Season
    from profiles.models import Profile

    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"bench{i}@example.com", password=password) for i in range(players)]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, display_name=f"Bench{i:05d}") for i, u in enumerate(users)]
    )
    now = timezone.now()
    season = Season.objects.create(
        season_number=1,
        name="Bench season",
        theme="bench",
        start_date=now - timedelta(days=1),
        end_date=now + timedelta(days=60),
        xp_per_tier=1000,
        max_tier=50,
        premium_price=500,
        is_active=True,
    )
    BattlePassTier.objects.bulk_create(
        [
            BattlePassTier(
                season=season, tier_number=n, free_reward_type="coins", free_reward_value="50"
            )
            for n in range(1, 51)
        ]
    )
    return [str(u.pk) for u in users]


def random_match(rng, players) -> dict:
    p1, p2 = rng.sample(players, 2)
    return {
        "match_id": str(uuid.uuid4()),
        "player1_id": p1,
        "player2_id": p2,
        "winner_id": rng.choice([p1, p2, p1, p2, None]),
        "player1_score": rng.randint(0, 30),
        "player2_score": rng.randint(0, 30),
        "duration_seconds": rng.randint(60, 1200),
        "player1_kills": rng.randint(0, 25),
        "player2_kills": rng.randint(0, 25),
        "player1_streak": rng.randint(0, 6),
        "player2_streak": rng.randint(0, 6),
    }


def spawn(args: list[str], fake, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PUBSUB_EMULATOR_HOST=fake.address)
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def last_handler(event_type: str) -> str:
    """The handler that runs last on an event (batch dispatch runs them in registry order)."""
    from events.registry import handler_name, handlers_for

    return handler_name(handlers_for(event_type)[-1])


def handler_count(event_type: str) -> int:
    from events.models import ProcessedEvent

    return ProcessedEvent.objects.filter(handler=last_handler(event_type)).count()


def levelup(rng, players) -> dict:
    level = rng.randint(2, 40)
    return {
        "user_id": rng.choice(players),
        "old_level": level - 1,
        "new_level": level,
        "total_xp": 100 * level * level,
    }


def consumer_rate(
    fake,
    players,
    n: int,
    consumers: int,
    workers: int,
    logdir: Path,
    event_type="match.completed",
    batch_size: int = 100,
) -> float:
    """Publish n messages, start the consumers, time the n handler commits (steady state)."""
    from events import pubsub
    from events.models import ProcessedEvent
    from events.schemas import EVENT_SCHEMAS
    from events.services import build_envelope

    rng = random.Random(consumers)
    publisher = pubsub.get_publisher()
    topic_name = EVENT_SCHEMAS[event_type].topic
    topic = pubsub.topic_path(topic_name)
    make = random_match if event_type == "match.completed" else levelup
    futures = []
    for _ in range(n):
        data, attributes = pubsub.encode_envelope(build_envelope(event_type, make(rng, players)))
        futures.append(publisher.publish(topic, data, **attributes))
    for f in futures:
        f.result(timeout=60)
    start_count = handler_count(event_type)
    procs = [
        spawn(
            [
                sys.executable,
                "manage.py",
                "consume_events",
                "--workers",
                str(workers),
                "--batch-size",
                str(batch_size),
                "--max-messages",
                str(max(200, 2 * batch_size * workers)),
                "--subscription",
                topic_name,
                "--log-interval",
                "5",
            ],
            fake,
            logdir / f"consumer-{consumers}-{i}.log",
        )
        for i in range(consumers)
    ]
    try:
        deadline = time.monotonic() + 600
        while handler_count(event_type) < start_count + n:
            if time.monotonic() > deadline:
                raise RuntimeError("consumers did not finish")
            time.sleep(0.25)
    finally:
        for p in procs:
            stop(p)
    stamps = sorted(
        ProcessedEvent.objects.filter(handler=last_handler(event_type))
        .order_by("-processed_at")
        .values_list("processed_at", flat=True)[:n]
    )
    # steady state: skip the first 5% (connections, imports warming up)
    skip = n // 20
    span = (stamps[-1] - stamps[skip]).total_seconds()
    return (n - skip) / span


def relay_rate(n: int) -> float:
    from django.db import transaction

    from events import relay, services
    from events.models import OutboxEvent

    rows = []
    for i in range(n):
        envelope = services.build_envelope(
            "player.levelup",
            {"user_id": str(uuid.uuid4()), "old_level": 1, "new_level": 2, "total_xp": 400 + i},
        )
        rows.append(
            OutboxEvent(
                event_id=uuid.UUID(envelope["event_id"]),
                event_type="player.levelup",
                topic="player-levelup",
                envelope=envelope,
            )
        )
    with transaction.atomic():
        OutboxEvent.objects.bulk_create(rows)
    started = time.perf_counter()
    stats = relay.relay_pending(batch_size=500, max_batches=10_000)
    elapsed = time.perf_counter() - started
    assert stats.published >= n, stats
    return stats.published / elapsed


def latency(fake, players, n: int, rate: float, logdir: Path) -> dict:
    """POST matches/ at ``rate``/s through the Django stack; latency = MatchResult.created_at -
    the moment the POST was sent (worker relays, consumer applies), split at the outbox row's
    ``published_at``."""
    from django.test import Client
    from django.utils import timezone

    from events.models import OutboxEvent
    from ranking.models import MatchResult

    worker = spawn(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            os.environ["BENCH_QUEUE"],
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        fake,
        logdir / "worker.log",
    )
    consumer = spawn(
        [sys.executable, "manage.py", "consume_events", "--log-interval", "5"],
        fake,
        logdir / "consumer-latency.log",
    )
    # The earlier phases leave events behind: follow-up outbox rows no worker relayed then, and
    # thousands of messages on the bus (the relay phase's 5 000 levelups, ...). Skip the rows and
    # let the consumer drain the bus first, or each POSTed match waits behind that backlog.
    OutboxEvent.objects.filter(published_at__isnull=True).update(published_at=timezone.now())
    time.sleep(8)  # both ready
    deadline = time.monotonic() + 300
    while any(fake.backlog(s) for s in fake.subscription_names() if "dead-letter" not in s):
        if time.monotonic() > deadline:
            raise RuntimeError("the consumer did not drain the bus")
        time.sleep(0.5)
    from config.celery import app

    app.conf.update(
        task_always_eager=False, broker_url=REDIS, task_default_queue=os.environ["BENCH_QUEUE"]
    )
    rng = random.Random(99)
    matches = [random_match(rng, players) for _ in range(n)]
    sent, senders = {}, 4
    begin = time.time() + 0.5

    def send(k: int) -> None:  # sender k posts matches k, k+senders, ... on a fixed schedule
        from django.db import connection

        client = Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_HOST="127.0.0.1")
        try:
            for i in range(k, n, senders):
                time.sleep(max(0.0, begin + i / rate - time.time()))
                t0 = time.time()
                response = client.post(
                    "/api/v1/matches/", matches[i], content_type="application/json"
                )
                assert response.status_code == 202, response.content
                sent[matches[i]["match_id"]] = t0
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(senders)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        achieved = n / (max(sent.values()) - begin)
        deadline = time.monotonic() + 120
        while MatchResult.objects.filter(match_id__in=list(sent)).count() < n:
            if time.monotonic() > deadline:
                raise RuntimeError("matches not applied")
            time.sleep(0.2)
    finally:
        stop(consumer)
        stop(worker)
    done = dict(
        MatchResult.objects.filter(match_id__in=list(sent)).values_list("match_id", "created_at")
    )
    lat = sorted(created.timestamp() - sent[str(mid)] for mid, created in done.items())
    # where the time goes: POST → the outbox row published (worker's relay), → rating applied
    published = {
        row["envelope"]["data"]["match_id"]: row["published_at"]
        for row in OutboxEvent.objects.filter(event_type="match.completed").values(
            "envelope", "published_at"
        )
        if row["envelope"]["data"]["match_id"] in sent and row["published_at"] is not None
    }
    relayed = sorted(at.timestamp() - sent[mid] for mid, at in published.items())
    consumed = sorted(
        done[uuid.UUID(mid)].timestamp() - at.timestamp() for mid, at in published.items()
    )
    return {
        "latency_p50_ms": _ms(statistics.median(lat)),
        "latency_p99_ms": _ms(lat[int(len(lat) * 0.99) - 1]),
        "latency_post_to_published_p50_ms": _ms(statistics.median(relayed)),
        "latency_post_to_published_p99_ms": _ms(relayed[int(len(relayed) * 0.99) - 1]),
        "latency_published_to_applied_p50_ms": _ms(statistics.median(consumed)),
        "latency_published_to_applied_p99_ms": _ms(consumed[int(len(consumed) * 0.99) - 1]),
        "latency_post_rate_achieved_per_s": round(achieved, 1),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def in_process(players, n: int, batch_size: int, logdir: Path, suffix: str = "") -> dict:
    """Apply n matches in this process through ``dispatch_batch``, in batches: statements per
    match (counted) and a cProfile of the run (top 25 by cumulative time in profile.txt)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.dispatch import dispatch_batch
    from events.services import build_envelope

    rng = random.Random(7)
    envelopes = [build_envelope("match.completed", random_match(rng, players)) for _ in range(n)]
    batches = [envelopes[i : i + batch_size] for i in range(0, n, batch_size)]
    with CaptureQueriesContext(connection) as ctx:
        dispatch_batch(batches[0])
    single = build_envelope("match.completed", random_match(rng, players))
    with CaptureQueriesContext(connection) as one:
        dispatch_batch([single])
    started, cpu = time.perf_counter(), time.process_time()
    for batch in batches[1 : len(batches) // 2 + 1]:
        dispatch_batch(batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    timed = sum(len(b) for b in batches[1 : len(batches) // 2 + 1])
    profile = cProfile.Profile()
    profile.enable()
    for batch in batches[len(batches) // 2 + 1 :]:
        dispatch_batch(batch)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
    (logdir / f"profile{suffix}.txt").write_text(out.getvalue())
    return {
        f"statements_per_match{suffix}": round(len(ctx.captured_queries) / len(batches[0]), 1),
        "statements_one_match_alone": len(one.captured_queries),
        f"in_process_matches_per_s{suffix}": round(timed / elapsed, 1),
        f"in_process_cpu_ms_per_match{suffix}": round(1000 * cpu / timed, 2),
    }


def pgbench_tps(seconds: int) -> float:
    db = f"{DB_NAME}_pgbench"
    admin_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)", f"CREATE DATABASE {db}")
    url = f"{PG}/{db}"
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "4", url], check=True, capture_output=True)
        out = subprocess.run(
            ["pgbench", "-c", "8", "-j", "2", "-T", str(seconds), url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def pipeline(fake, players, args, logdir: Path, results: dict) -> None:
    """Consumers, light handler, relay, latency and the in-process part, into ``results``."""
    from events import pubsub

    pubsub.setup()
    results["pgbench_tps"] = round(pgbench_tps(args.pgbench_seconds), 1)
    results["consumer_1_events_per_s"] = round(
        consumer_rate(
            fake, players, args.matches, 1, args.workers, logdir, batch_size=args.batch_size
        ),
        1,
    )
    results["consumer_2_events_per_s"] = round(
        consumer_rate(
            fake, players, args.matches, 2, args.workers, logdir, batch_size=args.batch_size
        ),
        1,
    )
    results["consumer_1_levelup_events_per_s"] = round(
        consumer_rate(
            fake,
            players,
            args.matches,
            1,
            args.workers,
            logdir,
            "player.levelup",
            batch_size=args.batch_size,
        ),
        1,
    )
    print(json.dumps(results), flush=True)
    results["relay_rows_per_s"] = round(relay_rate(args.relay_rows), 1)
    print(json.dumps(results), flush=True)
    results["latency_post_rate_per_s"] = args.latency_rate
    results.update(latency(fake, players, args.latency_matches, args.latency_rate, logdir))
    results.update(in_process(players, args.profile_matches, args.batch_size, logdir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=3000, help="per consumer measurement")
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="batch threads per consumer")
    parser.add_argument("--batch-size", type=int, default=100, help="messages per batch")
    parser.add_argument("--relay-rows", type=int, default=5000)
    parser.add_argument("--latency-matches", type=int, default=1000)
    parser.add_argument("--latency-rate", type=float, default=100.0, help="POSTs per second")
    parser.add_argument("--profile-matches", type=int, default=1000)
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="only the in-process part: statements per match, CPU per match, the profile",
    )
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from events.testing.pubsub_fake import FakePubSub

    fake = FakePubSub()
    os.environ["PUBSUB_EMULATOR_HOST"] = fake.start()
    logdir = Path(f"/tmp/{RUN}")
    logdir.mkdir(parents=True, exist_ok=True)
    results = {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)}
    try:
        players = setup_database(args.players)
        if args.in_process_only:
            results.update(in_process(players, args.profile_matches, args.batch_size, logdir))
            results.update(in_process(players, 200, 1, logdir, suffix="_batch_of_1"))
        else:
            pipeline(fake, players, args, logdir, results)
    finally:
        from django.db import connections

        fake.stop()
        connections.close_all()
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        import redis

        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{RUN}*", count=1000))
        if keys:
            client.delete(*keys)
        client.delete(RUN)
    results["load_average_1m_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))
    print(f"logs: {logdir}")


if __name__ == "__main__":
    main()
