"""End to end on the Pub/Sub path, every message delivered twice: one match that completes a
challenge, levels the winner up, reaches a battle-pass tier with a reward and moves both players
across a rank tier yields exactly one notification of each kind, for the right player.

POST matches/ (this process) → outbox → real Celery worker relays ``match.completed`` to the
Pub/Sub fake → real ``consume_events`` process applies it (ratings, XP, challenge progress), its
outbox rows (tier changes, level-up, challenge, reward) are relayed to the fake → the same
consumer delivers those to the notification handlers. The fake hands every message out twice,
so each handler sees each event twice, often at the same moment on two consumer threads.

Why this catches duplicates: a notification is keyed by the event that caused it. If the
consumer applied a redelivered event a second time (no ``ProcessedEvent`` claim in
``events.dispatch`` and no unique (source_event_id, kind) in the inbox), the handler would write
a second row for the same event; if ``match.completed`` itself were applied twice, ranking and
the battle pass would publish a second set of follow-up events with new ids, and every kind
would show up twice. Both are counted below, per user and kind, after the bus has nothing left
to redeliver (every subscription's backlog, leased messages included, is empty). Checked by
breaking both guards (the claim result ignored, the unique constraint dropped): every kind comes
twice. And the consumer's own count of skipped duplicates shows the second copies did arrive.
"""

import re
import uuid

import pytest

from battlepass.models import ChallengeProgress, PlayerSeasonProgress, SeasonChallenge, XPLog
from events import pubsub
from events.models import DeadLetter, OutboxEvent, ProcessedEvent
from events.registry import handler_name, handlers_for
from events.schemas import EVENT_SCHEMAS
from notifications.models import Notification, NotificationKind
from profiles.models import Profile
from ranking.models import PlayerRating
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events import processes
from tests.events.conftest import match_payload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FOLLOW_UPS = {
    "ranking.tier_changed": 2,  # the winner promoted, the loser demoted
    "player.levelup": 1,
    "battlepass.challenge_completed": 1,
    "battlepass.reward_earned": 1,
}
EVENTS = 1 + sum(FOLLOW_UPS.values())  # with match.completed


@pytest.fixture
def scene(make_user):
    """A winner one step below Gold (1190, Silver) with 350 lifetime XP (level 1; 400 is level
    2), a fresh loser (1200, Gold), an active season of 200 XP per tier with coin rewards, and a
    one-win challenge worth 50 XP beside a kill challenge nobody completes."""
    winner, loser = make_user(), make_user()
    PlayerRating.objects.create(user=winner, current_elo=1190, peak_elo=1190, current_tier="Silver")
    Profile.objects.filter(pk=winner.pk).update(total_xp=350, level=1)
    season = SeasonFactory(xp_per_tier=200, max_tier=5)
    coin_tiers(season, 5, free=100)
    first_win = SeasonChallenge.objects.create(
        season=season, code="first-win", name="First win", metric="wins", target=1, xp_reward=50
    )
    SeasonChallenge.objects.create(
        season=season, code="kills", name="Kills", metric="kills", target=100, xp_reward=500
    )
    return winner, loser, season, first_win


def settled(fake) -> bool:
    """Everything relayed and handled, and nothing left on the bus to (re)deliver."""
    return (
        Notification.objects.count() >= 5
        and ProcessedEvent.objects.count() >= EVENTS
        and not OutboxEvent.objects.filter(published_at__isnull=True).exists()
        and all(fake.backlog(name) == 0 for name in fake.subscription_names())
    )


def report(fake, log_dir) -> None:
    """What was left when the events did not settle, and the processes' logs."""
    print("notifications:", list(Notification.objects.values_list("user_id", "kind")))
    print("processed:", list(ProcessedEvent.objects.values_list("event_type", "handler")))
    print(
        "outbox:",
        list(OutboxEvent.objects.values_list("event_type", "published_at", "last_error")),
    )
    print("backlogs:", {name: fake.backlog(name) for name in fake.subscription_names()})
    for path in sorted(log_dir.glob("*.log")):
        print(f"--- {path.name} ---\n{path.read_text(errors='replace')[-6000:]}")


def consumer_counts(output: str) -> dict[str, int]:
    """The consumer's final counts (it logs them when it stops)."""
    last = [line for line in output.splitlines() if "stopped;" in line][-1]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", last)}


def notifications_of(user) -> dict:
    rows = list(Notification.objects.filter(user=user))
    kinds = [n.kind for n in rows]
    assert len(kinds) == len(set(kinds)), f"duplicate notifications: {sorted(kinds)}"
    return {n.kind: n for n in rows}


def test_match_yields_one_notification_of_each_kind_when_delivered_twice(
    bus, service_client, scene, log_dir
):
    winner, loser, season, first_win = scene
    bus.fake.deliver_twice = True
    consumer = bus.consumer()
    match = match_payload(
        winner, loser, player1_kills=4, player2_kills=2, player1_streak=2, player2_streak=1
    )
    response = service_client.post("/api/v1/matches/", match, format="json")
    assert response.status_code == 202, response.content
    match_event = response.json()["event_id"]

    try:
        processes.wait_until(lambda: settled(bus.fake), 60, "the events did not settle")
    except AssertionError:
        report(bus.fake, log_dir)
        raise
    assert consumer.terminate() == 0
    # The match took effect once: 170 match XP + 50 challenge XP for the winner, 100 for the
    # loser; ELO 1190 → 1206 (Gold) and 1200 → 1184 (Silver).
    ratings = {r.user_id: r for r in PlayerRating.objects.all()}
    assert (ratings[winner.pk].current_elo, ratings[winner.pk].current_tier) == (1206, "Gold")
    assert (ratings[loser.pk].current_elo, ratings[loser.pk].current_tier) == (1184, "Silver")
    assert Profile.objects.get(pk=winner.pk).total_xp == 350 + 170 + 50
    assert Profile.objects.get(pk=loser.pk).total_xp == 100
    assert XPLog.objects.filter(user=winner).count() == 2
    assert XPLog.objects.filter(user=loser).count() == 1
    assert PlayerSeasonProgress.objects.get(user=winner, season=season).current_tier == 1
    done = ChallengeProgress.objects.get(user=winner, challenge=first_win)
    assert (done.progress, done.completed_at is not None) == (1, True)

    # Each follow-up event was written once and went through the bus; none was dead-lettered.
    outbox = {}
    for row in OutboxEvent.objects.exclude(event_type="match.completed"):
        outbox.setdefault(row.event_type, []).append(row)
    assert {t: len(rows) for t, rows in outbox.items()} == FOLLOW_UPS
    for event_type, count in FOLLOW_UPS.items():
        topic = pubsub.topic_path(EVENT_SCHEMAS[event_type].topic)
        # went through the bus (a publish retried after a timeout may count twice)
        assert bus.fake.published.get(topic, 0) >= count, event_type
    assert bus.fake.published.get(pubsub.topic_path("match-completed"), 0) >= 1
    assert not DeadLetter.objects.exists()
    assert bus.fake.published.get(pubsub.topic_path(pubsub.DEAD_LETTER_TOPIC), 0) == 0

    def source(event_type, user):
        (row,) = [r for r in outbox[event_type] if r.envelope["data"]["user_id"] == str(user.pk)]
        return row.event_id

    mine = notifications_of(winner)
    assert set(mine) == {
        NotificationKind.LEVEL_UP,
        NotificationKind.CHALLENGE_COMPLETED,
        NotificationKind.REWARD_EARNED,
        NotificationKind.RANK_TIER_CHANGED,
    }
    level_up = mine[NotificationKind.LEVEL_UP]
    assert level_up.source_event_id == source("player.levelup", winner)
    assert level_up.data == {"old_level": 1, "new_level": 2, "total_xp": 520}
    assert level_up.body == "You reached level 2."
    challenge = mine[NotificationKind.CHALLENGE_COMPLETED]
    assert challenge.source_event_id == source("battlepass.challenge_completed", winner)
    assert challenge.data == {
        "season_id": str(season.pk),
        "challenge_id": str(first_win.pk),
        "xp_reward": 50,
    }
    reward = mine[NotificationKind.REWARD_EARNED]
    assert reward.source_event_id == source("battlepass.reward_earned", winner)
    assert reward.data["season_id"] == str(season.pk)
    assert reward.data["tier_reached"] == 1
    assert reward.data["reward_type"] == "coins"
    assert str(reward.data["reward_value"]) == "100"
    promoted = mine[NotificationKind.RANK_TIER_CHANGED]
    assert promoted.source_event_id == source("ranking.tier_changed", winner)
    assert promoted.data == {
        "old_tier": "Silver",
        "new_tier": "Gold",
        "elo": 1206,
        "direction": "promotion",
    }
    assert promoted.title == "Promoted!"

    theirs = notifications_of(loser)
    assert set(theirs) == {NotificationKind.RANK_TIER_CHANGED}
    demoted = theirs[NotificationKind.RANK_TIER_CHANGED]
    assert demoted.source_event_id == source("ranking.tier_changed", loser)
    assert demoted.data == {
        "old_tier": "Gold",
        "new_tier": "Silver",
        "elo": 1184,
        "direction": "demotion",
    }
    assert Notification.objects.count() == 5
    assert not Notification.objects.filter(read_at__isnull=False).exists()

    # One ProcessedEvent per (event, handler), for every handler of every event.
    expected = {
        (uuid.UUID(match_event), h) for h in map(handler_name, handlers_for("match.completed"))
    }
    for rows in outbox.values():
        for row in rows:
            expected |= {(row.event_id, handler_name(h)) for h in handlers_for(row.event_type)}
    claims = list(ProcessedEvent.objects.values_list("event_id", "handler", "outcome"))
    assert sorted((e, h) for e, h, _ in claims) == sorted(expected)
    assert {outcome for _, _, outcome in claims} == {"processed"}
    # The consumer ran each (event, handler) once and skipped its second copy (at least once:
    # a publish retried after a timeout may add more).
    counts = consumer_counts(consumer.output())
    assert counts["processed"] == len(expected), counts
    assert counts["duplicates"] >= len(expected), counts
    assert counts["rejected"] == counts["failed"] == 0, counts
