"""match.completed → ratings, XP, battle pass (inline backend: dispatched after commit)."""

import random
import uuid

import pytest

from battlepass.handlers import apply_match_xp
from battlepass.models import XPLog
from events.dispatch import MalformedEvent, check_envelope, dispatch_envelope
from events.models import DeadLetter, IngestedMatch, OutboxEvent
from events.services import build_envelope
from ranking.handlers import apply_match_ratings
from ranking.models import MatchResult, PlayerRating
from tests.events.conftest import match_payload
from tests.events.expectations import assert_applied_once

URL = "/api/v1/matches/"


def _post(client, data, callbacks):
    with callbacks(execute=True):
        response = client.post(URL, data, format="json")
    assert response.status_code == 202, response.content
    return response.json()["event_id"]


@pytest.mark.django_db
def test_posted_match_updates_ratings_xp_and_battle_pass(
    service_client, make_user, season, django_capture_on_commit_callbacks
):
    p1, p2 = make_user(), make_user()
    data = match_payload(p1, p2)
    event_id = _post(service_client, data, django_capture_on_commit_callbacks)
    assert_applied_once([data], season=season, event_ids=[event_id])
    assert PlayerRating.objects.get(user=p1).current_elo == 1216
    assert PlayerRating.objects.get(user=p2).current_elo == 1184
    # follow-up events written by ranking/battle pass in the handler's transaction, then relayed
    types = set(OutboxEvent.objects.values_list("event_type", flat=True))
    assert {"match.completed", "battlepass.reward_earned"} <= types
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert IngestedMatch.objects.get().event_id == uuid.UUID(event_id)


@pytest.mark.django_db
def test_replayed_post_and_redelivered_event_change_nothing(
    service_client, make_user, season, django_capture_on_commit_callbacks
):
    p1, p2 = make_user(), make_user()
    data = match_payload(p1, p2, winner=None)
    event_id = _post(service_client, data, django_capture_on_commit_callbacks)
    assert _post(service_client, data, django_capture_on_commit_callbacks) == event_id
    envelope = OutboxEvent.objects.get(event_id=event_id).envelope
    assert dispatch_envelope(envelope).duplicates == 2  # one per handler: ranking, battlepass
    # the same match published by the game server on the bus, under another event id
    other = build_envelope("match.completed", data)
    assert dispatch_envelope(other).processed == 2  # acknowledged, no second effect
    assert MatchResult.objects.count() == 1 and XPLog.objects.count() == 2
    assert PlayerRating.objects.get(user=p1).draws == 1


@pytest.mark.django_db
def test_many_matches_between_shared_players(
    service_client, make_user, season, django_capture_on_commit_callbacks
):
    players = [make_user() for _ in range(6)]
    rng = random.Random(7)
    matches = []
    for _ in range(15):
        p1, p2 = rng.sample(players, 2)
        data = match_payload(
            p1,
            p2,
            winner=rng.choice(["p1", "p2", None]),
            player1_kills=rng.randint(0, 30),
            player2_streak=rng.randint(0, 5),
            duration_seconds=rng.randint(0, 1800),
        )
        matches.append(data)
        _post(service_client, data, django_capture_on_commit_callbacks)
    assert_applied_once(matches, season=season)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.update(player2_id=d["player1_id"], winner_id=None), "must differ"),
        (lambda d: d.update(winner_id=str(uuid.uuid4())), "winner must be one of the players"),
    ],
)
def test_inconsistent_bus_match_is_malformed(make_user, mutate, reason):
    """Players differ, the winner is one of them: the envelope's own checks, no user needed."""
    data = match_payload(make_user(), make_user())
    mutate(data)
    with pytest.raises(MalformedEvent, match=reason):
        check_envelope(build_envelope("match.completed", data))


@pytest.mark.django_db
def test_bus_match_with_an_unknown_player_is_dead_lettered_by_each_handler(make_user, season):
    data = match_payload(make_user(), make_user())
    data.update(player1_id=str(uuid.uuid4()), winner_id=None)
    result = dispatch_envelope(build_envelope("match.completed", data), source="consumer")
    assert len(result.rejected) == 2 and all(
        "player1_id: No such player" in r for r in result.rejected
    )
    handlers = set(DeadLetter.objects.values_list("handler", flat=True))
    assert {h.rsplit(".", 1)[1] for h in handlers} == {"apply_match_ratings", "apply_match_xp"}
    assert not MatchResult.objects.exists() and not XPLog.objects.exists()


def test_handlers_are_registered_at_startup_by_their_apps():
    from events.registry import handlers_for

    assert handlers_for("match.completed") == [apply_match_ratings, apply_match_xp] or set(
        handlers_for("match.completed")
    ) == {apply_match_ratings, apply_match_xp}
