"""Retention sweep, the beat job, and the write services' guards."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from config.celery import app as celery_app
from core.errors import ValidationFailed
from notifications.models import Notification
from notifications.services import (
    notification_create_from_event,
    notifications_mark_read,
    notifications_prune,
)
from notifications.tasks import prune_notifications
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db


def _aged(user, days: float, *, read: bool) -> Notification:
    created = timezone.now() - timedelta(days=days)
    return make_notification(user, created_at=created, read_at=created if read else None)


def test_prune_deletes_old_read_rows_and_keeps_unread_and_recent(user):
    old_read = [_aged(user, 91, read=True) for _ in range(5)]
    keep = [
        _aged(user, 200, read=False),  # unread: never pruned, however old
        _aged(user, 89, read=True),  # read but recent
        _aged(user, 1, read=False),
    ]
    deleted = notifications_prune(batch_size=2)
    assert deleted == len(old_read)
    assert set(Notification.objects.values_list("id", flat=True)) == {n.id for n in keep}


def test_prune_follows_the_retention_setting(user):
    row = _aged(user, 10, read=True)
    with override_settings(NOTIFICATION_RETENTION_DAYS=30):
        assert notifications_prune() == 0
    with override_settings(NOTIFICATION_RETENTION_DAYS=7):
        assert notifications_prune() == 1
    assert not Notification.objects.filter(pk=row.pk).exists()


def test_prune_refuses_a_retention_under_one_day():
    with pytest.raises(ValueError):
        notifications_prune(retention_days=0)


def test_beat_job_runs_the_sweep(user):
    _aged(user, 120, read=True)
    recent = _aged(user, 2, read=True)
    schedule = settings.CELERY_BEAT_SCHEDULE["notifications-prune"]
    assert schedule["task"] == prune_notifications.name
    assert prune_notifications.name in celery_app.tasks
    prune_notifications.delay()
    assert list(Notification.objects.values_list("id", flat=True)) == [recent.id]


def test_default_retention_is_ninety_days():
    assert settings.NOTIFICATION_RETENTION_DAYS == 90


def test_mark_read_service_wants_exactly_one_selector(user):
    with pytest.raises(ValidationFailed):
        notifications_mark_read(user_id=user.pk)
    with pytest.raises(ValidationFailed):
        notifications_mark_read(user_id=user.pk, ids=[], mark_all=True)


def test_create_returns_the_existing_row_on_redelivery(user):
    kwargs = {
        "event_id": uuid.uuid4(),
        "user_id": user.pk,
        "kind": "level_up",
        "title": "Level up!",
        "body": "You reached level 3.",
        "data": {"new_level": 3},
    }
    first, created = notification_create_from_event(**kwargs)
    again, created_again = notification_create_from_event(**{**kwargs, "title": "changed"})
    assert created and not created_again
    assert again.pk == first.pk and again.title == "Level up!"


def test_create_for_a_missing_user_does_nothing():
    result = notification_create_from_event(
        event_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        kind="level_up",
        title="Level up!",
        body="You reached level 3.",
        data={},
    )
    assert result == (None, False)
    assert not Notification.objects.exists()


def test_overlong_text_is_cut_to_the_column_sizes(user):
    notification, _ = notification_create_from_event(
        event_id=uuid.uuid4(),
        user_id=user.pk,
        kind="level_up",
        title="T" * 500,
        body="B" * 500,
        data={},
    )
    assert len(notification.title) == 100 and len(notification.body) == 300
