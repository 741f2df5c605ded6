import uuid
from collections import defaultdict

import pytest
from django.test import override_settings

from events import pubsub, registry
from events.testing.pubsub_fake import FakePubSub

SERVICE_TOKEN = "game-server-secret-token-0123456789"


@pytest.fixture
def handlers(monkeypatch):
    """A private handler registry for the test: ``handlers.add(event_type, fn)``."""
    table = defaultdict(list)
    monkeypatch.setattr(registry, "_HANDLERS", table)

    class _Handlers:
        @staticmethod
        def add(event_type, fn):
            registry.handles(event_type)(fn)
            return fn

    return _Handlers()


@pytest.fixture
def fake_pubsub():
    fake = FakePubSub()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def pubsub_env(fake_pubsub, monkeypatch):
    """EVENT_BACKEND=pubsub against the in-process fake, topics and subscriptions created, in a
    project of its own; yields the fake."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", fake_pubsub.address)
    project = f"test-{uuid.uuid4().hex[:8]}"
    with override_settings(
        EVENT_BACKEND="pubsub",
        GCP_PROJECT=project,
        PUBSUB_EMULATOR_HOST=fake_pubsub.address,
        PUBSUB_ACK_DEADLINE_SECONDS=10,
        PUBSUB_MAX_DELIVERY_ATTEMPTS=3,
        PUBSUB_PUBLISH_TIMEOUT_SECONDS=2.0,
    ):
        pubsub.reset_clients()
        pubsub.setup()
        yield fake_pubsub
        pubsub.reset_clients()


@pytest.fixture
def service_client(api_client, settings):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {SERVICE_TOKEN}")
    return api_client


def match_payload(p1, p2, *, winner="p1", match_id=None, **overrides) -> dict:
    winner_id = {"p1": str(p1.pk), "p2": str(p2.pk), None: None}[winner]
    data = {
        "match_id": str(match_id or uuid.uuid4()),
        "player1_id": str(p1.pk),
        "player2_id": str(p2.pk),
        "winner_id": winner_id,
        "player1_score": 10,
        "player2_score": 7,
        "duration_seconds": 300,
        "player1_kills": 4,
        "player2_kills": 2,
        "player1_streak": 2,
        "player2_streak": 1,
    }
    data.update(overrides)
    return data


@pytest.fixture
def season(db):
    """The active season of the match tests: 100 XP a tier, 10 coin tiers, the match challenges
    (a module needing another shape overrides it)."""
    from tests.battlepass.factories import SeasonFactory, coin_tiers
    from tests.events.expectations import make_challenges

    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    coin_tiers(season, 10)
    make_challenges(season)
    return season
