"""The transactional outbox and its relay (inline backend and a failing one)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

import events
from events import relay, services
from events.models import OutboxEvent, ProcessedEvent
from events.schemas import EventSchemaError


def _levelup(user, level=2):
    return {"user_id": str(user.pk), "old_level": level - 1, "new_level": level, "total_xp": 400}


class FailingBackend:
    name = "failing"

    def __init__(self, fail_ids=None):
        self.fail_ids = fail_ids
        self.calls = 0

    def publish_batch(self, rows):
        self.calls += 1
        return {
            r.event_id: RuntimeError("bus down")
            for r in rows
            if self.fail_ids is None or r.event_id in self.fail_ids
        }


@pytest.mark.django_db
def test_publish_writes_row_and_relays_after_commit(
    user, handlers, django_capture_on_commit_callbacks
):
    seen = []
    handlers.add("player.levelup", lambda env: seen.append(env))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = events.publish("player.levelup", _levelup(user))
        assert seen == []  # nothing leaves before commit
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.topic == "player-levelup" and row.published_at is not None and row.attempts == 1
    envelope = seen[0]
    assert envelope["event_id"] == str(row.event_id)
    assert envelope["event_type"] == "player.levelup"
    assert envelope["timestamp"].endswith("Z")
    assert envelope["data"] == _levelup(user)


@pytest.mark.django_db
def test_invalid_data_is_refused_and_nothing_written(user):
    with pytest.raises(EventSchemaError):
        events.publish("player.levelup", {**_levelup(user), "new_level": "two"})
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_event(user, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.publish("player.levelup", _levelup(user))
        raise RuntimeError("boom")
    assert callbacks == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_BASE_SECONDS=1, OUTBOX_RETRY_MAX_SECONDS=3)
def test_failures_back_off_then_park_and_requeue(user):
    row = services.publish("player.levelup", _levelup(user))
    backend = FailingBackend()
    delays = []
    for attempt in (1, 2, 3):
        stats = relay.relay_batch(batch_size=10, backend=backend)
        assert stats.failed == 1
        row.refresh_from_db()
        assert row.attempts == attempt and row.last_error == "bus down"
        if attempt < 3:
            delays.append((row.next_attempt_at - timezone.now()).total_seconds())
            # not due yet: the relay leaves it alone
            assert relay.relay_batch(batch_size=10, backend=backend).failed == 0
            OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert 0.5 < delays[0] <= 1 and 1.5 < delays[1] <= 2
    assert row.failed_at is not None and row.status == "failed"
    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert relay.relay_batch(batch_size=10, backend=backend).failed == 0  # parked
    assert services.outbox_requeue(event_ids=[row.pk]) == 1
    row.refresh_from_db()
    assert (row.failed_at, row.attempts, row.status) == (None, 0, "pending")
    assert relay.relay_pending().published == 1


def test_retry_delay_is_capped(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 2, 60
    assert [relay.retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [2, 4, 8, 60]


@pytest.mark.django_db
def test_one_failing_row_does_not_block_the_others(make_user):
    rows = [services.publish("player.levelup", _levelup(make_user())) for _ in range(3)]
    stats = relay.relay_batch(batch_size=10, backend=FailingBackend({rows[1].event_id}))
    assert (stats.published, stats.failed) == (2, 1)
    assert OutboxEvent.objects.filter(published_at__isnull=True).get().pk == rows[1].pk


@pytest.mark.django_db
def test_prune_deletes_only_old_published_rows(make_user):
    old, recent, pending = (
        services.publish("player.levelup", _levelup(make_user())) for _ in range(3)
    )
    now = timezone.now()
    OutboxEvent.objects.filter(pk=old.pk).update(published_at=now - timedelta(hours=100))
    OutboxEvent.objects.filter(pk=recent.pk).update(published_at=now - timedelta(hours=1))
    assert services.outbox_prune(older_than=timedelta(hours=72)) == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_publish_each_row_once(make_user, handlers, monkeypatch):
    monkeypatch.setattr(services, "request_relay", lambda: None)  # the threads relay
    users = [make_user() for _ in range(4)]
    for i in range(120):
        services.publish("player.levelup", _levelup(users[i % 4], level=i + 2))
    calls, lock = [], threading.Lock()

    def handler(envelope):
        with lock:
            calls.append(envelope["event_id"])

    handlers.add("player.levelup", handler)
    barrier = threading.Barrier(3)

    def run():
        try:
            barrier.wait()
            relay.relay_pending(batch_size=10)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 120 == len(set(calls))
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert ProcessedEvent.objects.count() == 120


@pytest.mark.django_db
def test_admin_requeue_action(admin_client, user):
    row = services.publish("player.levelup", _levelup(user))
    OutboxEvent.objects.filter(pk=row.pk).update(failed_at=timezone.now(), attempts=10)
    url = "/admin/events/outboxevent/"
    assert admin_client.get(url + "?status=failed").status_code == 200
    response = admin_client.post(url, {"action": "requeue", "_selected_action": [str(row.pk)]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.failed_at is None and row.attempts == 0


def test_beat_schedule_has_sweep_and_prune(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["events-relay-outbox"]["task"] == "events.relay_outbox"
    assert schedule["events-prune-outbox"]["task"] == "events.prune_outbox"
