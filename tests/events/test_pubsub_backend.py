"""EVENT_BACKEND=pubsub: setup_pubsub and the relay, through the real client and the fake."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events import pubsub, relay, services
from events.models import OutboxEvent


def _levelup(user):
    return {"user_id": str(user.pk), "old_level": 1, "new_level": 2, "total_xp": 400}


def _pull(subscription, n=10):
    response = pubsub.get_subscriber().pull(
        subscription=pubsub.subscription_path(subscription), max_messages=n
    )
    return response.received_messages


def test_setup_pubsub_creates_everything_once(pubsub_env, settings):
    project = settings.GCP_PROJECT
    topics = set(pubsub_env.topic_names())
    expected = {
        f"projects/{project}/topics/{t}"
        for t in (
            "match-completed",
            "cosmetic-purchased",
            "reward-earned",
            "player-levelup",
            "challenge-completed",
            "tier-changed",
            "season-ended",
            "dead-letter",
        )
    }
    assert topics == expected
    sub = pubsub.get_subscriber().get_subscription(
        subscription=pubsub.subscription_path("match-completed")
    )
    assert sub.name.endswith("/match-completed.user-services")
    assert sub.dead_letter_policy.dead_letter_topic == f"projects/{project}/topics/dead-letter"
    assert sub.dead_letter_policy.max_delivery_attempts == 3
    out = StringIO()
    call_command("setup_pubsub", stdout=out)
    assert "0 created" in out.getvalue()


def test_topic_prefix(pubsub_env, settings):
    settings.PUBSUB_TOPIC_PREFIX = "staging-"
    assert pubsub.topic_path("match-completed").endswith("/topics/staging-match-completed")
    assert pubsub.subscription_path("match-completed").endswith(
        "/subscriptions/staging-match-completed.user-services"
    )
    out = StringIO()
    call_command("setup_pubsub", stdout=out)
    assert "created projects/" in out.getvalue()
    assert (
        f"projects/{settings.GCP_PROJECT}/topics/staging-tier-changed" in pubsub_env.topic_names()
    )


@pytest.mark.django_db
def test_relay_publishes_envelope_with_attributes(pubsub_env, user):
    row = services.publish("player.levelup", _levelup(user))
    assert relay.relay_pending().published == 1
    row.refresh_from_db()
    assert row.published_at is not None
    [received] = _pull("player-levelup")
    assert json.loads(received.message.data) == row.envelope
    assert dict(received.message.attributes) == {
        "event_id": str(row.event_id),
        "event_type": "player.levelup",
    }


@pytest.mark.django_db
def test_bus_down_keeps_rows_then_delivers_them(pubsub_env, make_user):
    pubsub_env.stop()
    rows = [services.publish("player.levelup", _levelup(make_user())) for _ in range(3)]
    stats = relay.relay_pending()
    assert (stats.published, stats.failed) == (0, 3)
    assert OutboxEvent.objects.filter(published_at__isnull=True, attempts=1).count() == 3
    assert all(r.last_error for r in OutboxEvent.objects.all())
    pubsub_env.start()
    OutboxEvent.objects.update(next_attempt_at=timezone.now())
    assert relay.relay_pending().published == 3
    got = {json.loads(m.message.data)["event_id"] for m in _pull("player-levelup")}
    assert got == {str(r.event_id) for r in rows}


def test_production_clients_use_google_credentials_and_capped_reconnects(monkeypatch, settings):
    from unittest import mock

    import google.auth
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    settings.PUBSUB_EMULATOR_HOST = ""
    pubsub.reset_clients()
    with mock.patch.object(
        google.auth, "default", return_value=(AnonymousCredentials(), "p")
    ) as default:
        publisher, subscriber = pubsub.get_publisher(), pubsub.get_subscriber()
    assert default.called
    assert publisher._transport._host == subscriber._transport._host == "pubsub.googleapis.com:443"
    assert pubsub.RECONNECT_OPTIONS["grpc.max_reconnect_backoff_ms"] <= 5000
    pubsub.reset_clients()
