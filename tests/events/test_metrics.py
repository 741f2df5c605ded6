"""Event pipeline metrics in this process: outbox backlog gauges, relay counters, handler
outcomes and durations, dead letters, lag, messages in flight — each moved by exactly what
happened, with bounded labels."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.metrics import exposition
from events import metrics, relay, services
from events.dispatch import dispatch_envelope, record_dead_letter
from events.models import OutboxEvent
from events.registry import EventRejected, handler_name
from tests.events.test_outbox import FailingBackend
from tests.metrics import Scrape, scrape_client

pytestmark = pytest.mark.django_db


def _levelup(user, level=2):
    return {"user_id": str(user.pk), "old_level": level - 1, "new_level": level, "total_xp": 400}


def _scrape(*collectors) -> Scrape:
    return Scrape(exposition.render(collectors).decode())


def test_outbox_backlog_gauges(client, make_user):
    assert scrape_client(client).value("events_outbox_pending") == 0
    assert scrape_client(client).value("events_outbox_oldest_pending_age_seconds") == 0
    rows = [services.publish("player.levelup", _levelup(make_user())) for _ in range(3)]
    OutboxEvent.objects.filter(pk=rows[0].pk).update(created_at=timezone.now() - timedelta(hours=1))
    OutboxEvent.objects.filter(pk=rows[2].pk).update(failed_at=timezone.now())
    scrape = scrape_client(client)
    assert scrape.value("events_outbox_pending") == 2
    assert scrape.value("events_outbox_parked") == 1
    assert 3600 <= scrape.value("events_outbox_oldest_pending_age_seconds") < 3600 + 600
    with CaptureQueriesContext(connection) as queries:
        list(metrics.OutboxCollector().collect())
    assert len(queries) == 1


def test_relay_counts_batches_publications_failures_and_parked(make_user, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    rows = [services.publish("player.levelup", _levelup(make_user())) for _ in range(3)]
    before = _scrape()
    relay.relay_batch(batch_size=10, backend=FailingBackend({rows[1].event_id}))
    relay.relay_batch(batch_size=10, backend=FailingBackend())  # nothing due: no batch
    after = _scrape()

    def moved(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert moved("events_outbox_relay_batches_total", backend="failing") == 1
    assert moved("events_outbox_relay_batch_failures_total", backend="failing") == 1
    assert moved("events_outbox_relay_batch_duration_seconds_count", backend="failing") == 1
    assert moved("events_outbox_published_total", event_type="player.levelup") == 2
    assert moved("events_outbox_publish_failures_total", event_type="player.levelup") == 1
    assert moved("events_outbox_parked_total", event_type="player.levelup") == 1


def test_handler_outcomes_durations_and_dead_letters(user, handlers):
    def ok(envelope):
        pass

    def refuses(envelope):
        raise EventRejected("not for us")

    def breaks(envelope):
        raise RuntimeError("database hiccup")

    for fn in (ok, refuses, breaks):
        handlers.add("player.levelup", fn)
    envelope = services.build_envelope("player.levelup", _levelup(user))
    before = _scrape()
    with pytest.raises(RuntimeError):
        dispatch_envelope(envelope)  # ok and refuses commit; breaks raises (the bus redelivers)
    names = {fn: handler_name(fn) for fn in (ok, refuses, breaks)}
    with pytest.raises(RuntimeError):
        dispatch_envelope(envelope)  # redelivery: ok and refuses are duplicates now
    after = _scrape()

    def moved(name, fn=None, **labels):
        if fn is not None:
            labels["handler"] = names[fn]
        return after.value(name, **labels) - before.value(name, **labels)

    consumed = "events_consumed_total"
    kind = {"event_type": "player.levelup"}
    assert moved(consumed, ok, outcome="processed", **kind) == 1
    assert moved(consumed, ok, outcome="duplicate", **kind) == 1
    assert moved(consumed, refuses, outcome="rejected", **kind) == 1
    assert moved(consumed, refuses, outcome="duplicate", **kind) == 1
    assert moved(consumed, breaks, outcome="failed", **kind) == 2
    assert moved("events_dead_letters_total", refuses, **kind) == 1
    durations = "events_handler_duration_seconds_count"
    assert moved(durations, ok, **kind) == 1  # a duplicate is not timed
    assert moved(durations, refuses, **kind) == 1
    assert moved(durations, breaks, **kind) == 2


def test_foreign_event_types_share_one_label(db):
    before = _scrape()
    for i in range(5):
        record_dead_letter(reason="junk", envelope={"event_type": f"invented.{i}", "event_id": i})
        metrics.malformed_message({"event_type": f"invented.{i}"})
    metrics.malformed_message(b"not even a dict")
    after = _scrape()
    labels = {"event_type": "unknown", "handler": "none"}
    assert (
        after.value("events_dead_letters_total", **labels)
        - before.value("events_dead_letters_total", **labels)
        == 5
    )
    consumed = {**labels, "outcome": "rejected"}
    assert (
        after.value("events_consumed_total", **consumed)
        - before.value("events_consumed_total", **consumed)
        == 6
    )
    assert not any("invented" in v for v in after.label_values("event_type"))


def test_lag_is_now_minus_the_newest_applied_event(user, handlers, monkeypatch):
    monkeypatch.setattr(metrics, "_last_applied", metrics._LastApplied())
    collector = metrics.ConsumerLagCollector()
    assert not _scrape(collector).has("events_consumer_lag_seconds")  # nothing applied yet
    handlers.add("player.levelup", lambda envelope: None)
    old = services.build_envelope("player.levelup", _levelup(user))
    old["timestamp"] = (timezone.now() - timedelta(seconds=120)).isoformat()
    dispatch_envelope(old)
    scrape = _scrape(collector)
    assert 120 <= scrape.value("events_consumer_lag_seconds") < 120 + 300
    stamp = scrape.value("events_consumer_last_applied_event_timestamp_seconds")
    assert abs(stamp - (time.time() - 120)) < 300
    # An older event applied later does not raise the lag; a producer's clock running ahead
    # counts as now.
    older = services.build_envelope("player.levelup", _levelup(user, 3))
    older["timestamp"] = (timezone.now() - timedelta(hours=2)).isoformat()
    dispatch_envelope(older)
    assert _scrape(collector).value("events_consumer_lag_seconds") < 120 + 300
    ahead = services.build_envelope("player.levelup", _levelup(user, 4))
    ahead["timestamp"] = (timezone.now() + timedelta(hours=1)).isoformat()
    dispatch_envelope(ahead)
    assert _scrape(collector).value("events_consumer_lag_seconds") < 60


def test_messages_in_flight_until_their_callback_returns():
    gauge = "events_consumer_messages_in_flight"
    base = _scrape().value(gauge)
    release = threading.Event()
    started = threading.Semaphore(0)

    def callback(message):
        started.release()
        release.wait(30)

    scheduler = metrics.counting_scheduler(ThreadPoolExecutor(max_workers=1))
    for message in ("a", "b", "c"):
        scheduler.schedule(callback, message)
    assert started.acquire(timeout=30)
    assert _scrape().value(gauge) - base == 3  # one running, two waiting for the thread
    dropped = scheduler.shutdown(await_msg_callbacks=False)
    assert sorted(dropped) == ["b", "c"]
    assert _scrape().value(gauge) - base == 1
    release.set()
    deadline = time.monotonic() + 30
    while _scrape().value(gauge) - base and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _scrape().value(gauge) - base == 0
