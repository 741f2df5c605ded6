"""Through the real inline path: ``events.publish`` in a committed transaction → outbox → relay
(eager in tests) → the handler → one inbox row."""

import pytest
from django.db import transaction

import events
from events.models import OutboxEvent
from events.registry import handlers_for
from notifications.models import Notification, NotificationKind
from tests.notifications.helpers import sample_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_committed_publish_reaches_the_inbox(user):
    with transaction.atomic():
        row = events.publish("player.levelup", sample_data("player.levelup", user.pk))
    notification = Notification.objects.get(user=user)
    assert notification.kind == NotificationKind.LEVEL_UP
    assert str(notification.source_event_id) == str(row.event_id)
    assert notification.body == "You reached level 7."


def test_a_rolled_back_publish_leaves_the_inbox_empty(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("player.levelup", sample_data("player.levelup", user.pk))
        raise RuntimeError("the change that caused the event failed")
    assert not Notification.objects.exists()


def test_every_kind_through_publish_and_a_redelivery_makes_one_row_each(user):
    event_types = [
        "player.levelup",
        "battlepass.reward_earned",
        "battlepass.challenge_completed",
        "player.cosmetic_purchased",
        "ranking.tier_changed",
        "season.ended",
    ]
    with transaction.atomic():
        published = [events.publish(t, sample_data(t, user.pk)) for t in event_types]
    # Redeliver every stored envelope to every registered handler (an at-least-once transport).
    for row in published:
        stored = OutboxEvent.objects.get(pk=row.pk).envelope
        for handler in handlers_for(stored["event_type"]):
            if handler.__module__ == "notifications.handlers":
                with transaction.atomic():
                    handler(stored)
    kinds = sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds == sorted(NotificationKind.values)
