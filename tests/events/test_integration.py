"""End to end with real processes: POST matches/ (this process) → outbox → real Celery worker
(relay, beat sweep) → Pub/Sub fake → real ``consume_events`` process → ratings, XP, battle pass.
Faults: bus down, consumer SIGKILLed mid-batch, every message delivered twice, poison messages."""

import json
import random
import uuid

import pytest
from django.conf import settings

from events import pubsub
from events.models import DeadLetter, OutboxEvent, ProcessedEvent
from events.registry import handler_name
from events.services import build_envelope
from ranking.handlers import apply_match_ratings
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.celery_broker import delete_queue, real_broker
from tests.events import processes
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once, make_challenges

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/matches/"
MATCH_HANDLER = handler_name(apply_match_ratings)


@pytest.fixture
def log_dir(tmp_path):
    return tmp_path


@pytest.fixture
def broker_queue():
    """This process queues relay tasks on a queue of its own in the test broker."""
    queue = f"events-test-{uuid.uuid4().hex[:10]}"
    broker = processes.broker_url()
    with real_broker(broker, task_default_queue=queue):
        try:
            yield queue
        finally:
            delete_queue(broker, queue)


@pytest.fixture
def bus(pubsub_env, broker_queue, log_dir):
    """The fake bus with topics and subscriptions, and a running worker; yields a namespace."""
    worker = processes.start_worker(pubsub_env, log_dir, broker_queue)
    started = [worker]

    class Bus:
        fake = pubsub_env

        @staticmethod
        def consumer(*args):
            process = processes.start_consumer(pubsub_env, log_dir, *args)
            started.append(process)
            return process

    yield Bus
    for process in reversed(started):
        process.stop()


@pytest.fixture
def season(db):
    season = SeasonFactory(xp_per_tier=150, max_tier=20)
    coin_tiers(season, 20)
    make_challenges(season)
    return season


def make_matches(make_user, count, players=30, seed=1):
    rng = random.Random(seed)
    users = [make_user() for _ in range(players)]
    matches = []
    for _ in range(count):
        p1, p2 = rng.sample(users, 2)
        matches.append(
            match_payload(
                p1,
                p2,
                winner=rng.choice(["p1", "p2", "p1", "p2", None]),
                player1_kills=rng.randint(0, 25),
                player2_kills=rng.randint(0, 25),
                player1_streak=rng.randint(0, 6),
                player2_streak=rng.randint(0, 6),
                duration_seconds=rng.randint(30, 1500),
            )
        )
    return matches


def post_all(service_client, matches):
    ids = []
    for data in matches:
        response = service_client.post(URL, data, format="json")
        assert response.status_code == 202, response.content
        ids.append(response.json()["event_id"])
    return ids


def applied():
    return ProcessedEvent.objects.filter(handler=MATCH_HANDLER).count()


def wait_applied(count, *processes_, timeout=90):
    def done():
        return applied() >= count

    try:
        processes.wait_until(done, timeout, f"only {applied()} of {count} matches applied")
    except AssertionError:
        for p in processes_:
            print(f"--- {p.name} ---\n{p.output()[-3000:]}")
        raise


def test_200_matches_flow_through_worker_and_consumer(bus, service_client, make_user, season):
    consumer = bus.consumer()
    matches = make_matches(make_user, 200)
    event_ids = post_all(service_client, matches)
    wait_applied(200, consumer)
    processes.wait_until(
        lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(),
        30,
        "follow-up events were not all relayed",
    )
    assert consumer.terminate() == 0  # SIGTERM: drains, then exits 0
    out = consumer.output()
    assert "consume_events: stopped; processed=" in out
    assert_applied_once(matches, season=season, event_ids=event_ids)
    assert not DeadLetter.objects.exists()


def test_bus_down_while_matches_arrive(bus, service_client, make_user, season):
    consumer = bus.consumer()
    bus.fake.stop()
    matches = make_matches(make_user, 40, seed=2)
    post_all(service_client, matches)
    processes.wait_until(
        lambda: (
            OutboxEvent.objects.filter(attempts__gte=1, published_at__isnull=True).count() == 40
        ),
        30,
        "the worker never tried to publish while the bus was down",
    )
    assert applied() == 0
    assert OutboxEvent.objects.exclude(last_error="").count() == 40
    bus.fake.start()
    wait_applied(40, consumer)  # the beat sweep retries after the backoff
    assert_applied_once(matches, season=season)


def test_consumer_killed_mid_batch_then_restarted(bus, service_client, make_user, season):
    consumer = bus.consumer("--workers", "2", "--max-messages", "20", "--lease-seconds", "10")
    matches = make_matches(make_user, 100, seed=3)
    post_all(service_client, matches)
    processes.wait_until(lambda: applied() >= 15, 60, "the consumer applied nothing")
    consumer.kill()  # SIGKILL: leased messages are neither acked nor nacked
    assert applied() < 100
    restarted = bus.consumer()
    wait_applied(100, restarted, timeout=120)
    assert_applied_once(matches, season=season)


def test_every_event_delivered_twice(bus, service_client, make_user, season):
    bus.fake.deliver_twice = True
    consumer = bus.consumer()
    matches = make_matches(make_user, 60, seed=4)
    post_all(service_client, matches)
    wait_applied(60, consumer)
    processes.wait_until(
        lambda: (
            "duplicates=" in consumer.output()
            and bus.fake.backlog(pubsub.subscription_path("match-completed")) == 0
        ),
        30,
        "duplicates were not acknowledged",
    )
    assert consumer.terminate() == 0
    last = [line for line in consumer.output().splitlines() if "stopped;" in line][-1]
    assert "duplicates=0 " not in last
    assert_applied_once(matches, season=season)


def test_poison_messages_are_dead_lettered_and_the_rest_flow(
    bus, service_client, make_user, season
):
    consumer = bus.consumer()
    publisher = pubsub.get_publisher()
    topic = pubsub.topic_path("match-completed")
    stranger = build_envelope(
        "match.completed", match_payload(make_user(), make_user(), player1_id=str(uuid.uuid4()))
    )
    stranger["data"]["winner_id"] = None
    negative = build_envelope(
        "match.completed", match_payload(make_user(), make_user(), player2_kills=-3)
    )
    for data in (b"\x00garbage", json.dumps(stranger).encode(), json.dumps(negative).encode()):
        publisher.publish(topic, data).result(timeout=5)
    matches = make_matches(make_user, 30, seed=5)
    post_all(service_client, matches)
    wait_applied(31, consumer)  # 30 + the stranger's rejection is recorded as handled
    # the stranger is refused by both match handlers (ranking, battlepass): one row each
    processes.wait_until(lambda: DeadLetter.objects.count() == 4, 30, "dead letters missing")
    reasons = " | ".join(DeadLetter.objects.values_list("reason", flat=True))
    assert "not JSON" in reasons
    assert "player1_id: No such player" in reasons
    assert "player2_kills must not be negative" in reasons
    assert ProcessedEvent.objects.filter(handler=MATCH_HANDLER, outcome="rejected").count() == 1
    # only the 30 good matches took effect
    ProcessedEvent.objects.filter(outcome="rejected").delete()
    assert_applied_once(matches, season=season)
    assert settings.EVENT_BACKEND == "pubsub"
