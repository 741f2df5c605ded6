"""The consumer (``events.consumer.Consumer``) in a thread, against the fake, with test handlers."""

import json
import threading
import time
import uuid

import pytest
from django.db import connection

from events import pubsub, relay, services
from events.consumer import Consumer
from events.models import DeadLetter, ProcessedEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _levelup(user, n=2):
    return {"user_id": str(user.pk), "old_level": n - 1, "new_level": n, "total_xp": 100 * n * n}


def _wait(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Running:
    def __init__(self, **options):
        self.consumer = Consumer([pubsub.subscription_id("player-levelup")], **options)
        self.status = None
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            self.status = self.consumer.run()
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self.consumer

    def __exit__(self, *exc):
        self.consumer.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


def _publish_levelups(users, count, monkeypatch):
    monkeypatch.setattr(services, "request_relay", lambda: None)
    rows = [
        services.publish("player.levelup", _levelup(users[i % len(users)], i + 2))
        for i in range(count)
    ]
    assert relay.relay_pending().published == count
    return rows


def test_consumes_every_event_once_with_bounded_flow(pubsub_env, handlers, make_user, monkeypatch):
    lock, state = threading.Lock(), {"now": 0, "peak": 0, "ids": []}

    def handler(envelope):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.005)
        with lock:
            state["now"] -= 1
            state["ids"].append(envelope["event_id"])

    handlers.add("player.levelup", handler)
    users = [make_user() for _ in range(3)]
    with Running(max_messages=4, workers=8) as consumer:
        rows = _publish_levelups(users, 40, monkeypatch)
        assert _wait(lambda: ProcessedEvent.objects.count() == 40)
        assert _wait(lambda: pubsub_env.backlog(pubsub.subscription_path("player-levelup")) == 0)
    assert sorted(state["ids"]) == sorted(str(r.event_id) for r in rows)
    assert state["peak"] <= 4
    assert consumer.counts.processed == 40 and consumer.counts.failed == 0


def test_duplicate_deliveries_are_acked_without_effect(
    pubsub_env, handlers, make_user, monkeypatch
):
    pubsub_env.deliver_twice = True
    calls = []
    handlers.add("player.levelup", lambda env: calls.append(env["event_id"]))
    with Running() as consumer:
        _publish_levelups([make_user()], 10, monkeypatch)
        assert _wait(lambda: consumer.counts.processed + consumer.counts.duplicates == 20)
    assert len(calls) == len(set(calls)) == 10
    assert consumer.counts.duplicates == 10


def test_malformed_message_is_dead_lettered_and_the_rest_flow(
    pubsub_env, handlers, make_user, monkeypatch
):
    calls = []
    handlers.add("player.levelup", lambda env: calls.append(env))
    topic = pubsub.topic_path("player-levelup")
    publisher = pubsub.get_publisher()
    bad_data = services.build_envelope("player.levelup", {**_levelup(make_user()), "new_level": -1})
    with Running() as consumer:
        publisher.publish(topic, b"{not json").result(timeout=5)
        publisher.publish(topic, json.dumps(bad_data).encode()).result(timeout=5)
        _publish_levelups([make_user()], 5, monkeypatch)
        assert _wait(lambda: consumer.counts.processed == 5 and consumer.counts.rejected == 2)
        assert _wait(lambda: pubsub_env.backlog(pubsub.subscription_path("player-levelup")) == 0)
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == [
        "message data is not JSON",
        "player.levelup: new_level must not be negative.",
    ]
    assert DeadLetter.objects.get(event_id=bad_data["event_id"]).source == "consumer"
    assert len(calls) == 5


def test_poison_message_goes_to_the_dead_letter_topic(pubsub_env, handlers, make_user, monkeypatch):
    poison_user = make_user()
    attempts = []

    def handler(envelope):
        if envelope["data"]["user_id"] == str(poison_user.pk):
            attempts.append(1)
            raise RuntimeError("cannot apply")

    handlers.add("player.levelup", handler)
    with Running() as consumer:
        _publish_levelups([poison_user, make_user(), make_user()], 6, monkeypatch)
        dead_sub = pubsub.subscription_path(pubsub.subscription_id("dead-letter"))
        assert _wait(lambda: pubsub_env.backlog(dead_sub) == 2)
        assert _wait(lambda: consumer.counts.processed == 4)
    assert len(attempts) == 2 * 3  # max_delivery_attempts each, then forwarded
    assert consumer.counts.failed == 6
    assert ProcessedEvent.objects.count() == 4


def test_stop_finishes_in_flight_messages(pubsub_env, handlers, make_user, monkeypatch):
    started, finished = threading.Event(), []

    def slow(envelope):
        started.set()
        time.sleep(0.5)
        finished.append(envelope["event_id"])

    handlers.add("player.levelup", slow)
    runner = Running(max_messages=1, workers=1)
    with runner:
        _publish_levelups([make_user()], 3, monkeypatch)
        assert started.wait(10)
    # Stopped mid-handler: that one completed and committed; nothing half-done.
    assert runner.status == 0
    assert len(finished) >= 1
    assert ProcessedEvent.objects.count() == len(finished)


def test_subscription_paths():
    assert pubsub.subscription_path("projects/p/subscriptions/s") == "projects/p/subscriptions/s"
    name = f"custom-{uuid.uuid4().hex[:4]}"
    assert pubsub.subscription_path(name).endswith(f"/subscriptions/{name}")
