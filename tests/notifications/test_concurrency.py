"""Concurrent deliveries and concurrent reads, on real PostgreSQL transactions."""

import threading

import pytest
from django.db import connection

from notifications.models import Notification
from notifications.services import notifications_mark_read
from tests.notifications.helpers import HANDLERS, deliver, envelope, make_notification, sample_data

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(fn())
        except Exception as exc:  # collected and re-raised in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


def test_the_same_event_delivered_by_two_threads_at_once_makes_one_row(user):
    # One test for every kind: a transactional test's teardown costs more than the deliveries.
    for event_type in sorted(HANDLERS):
        env = envelope(event_type, sample_data(event_type, user.pk))
        _in_threads(2, lambda env=env: deliver(env))
        assert Notification.objects.filter(source_event_id=env["event_id"]).count() == 1
    assert Notification.objects.filter(user=user).count() == len(HANDLERS)


def test_two_readers_marking_the_same_rows_count_each_row_once(user):
    ids = [make_notification(user).id for _ in range(5)]
    results = _in_threads(2, lambda: notifications_mark_read(user_id=user.pk, ids=ids))
    assert sum(results) == 5
    assert not Notification.objects.filter(read_at__isnull=True).exists()
