"""Pins of ranking's ``match.completed`` batch handler (ranking.handlers): registered as a batch
handler at startup, it records each accepted match as the envelope says (winner or draw, scores,
duration, the event's timestamp as ``played_at``) and rates it with API.md's ELO (K = 32 for new
players, 1200 each: a win is +16), and refuses, with a reason, the matches naming a player who is
not an active user, while applying their neighbours."""

import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from accounts.players import match_player_problems
from events.registry import _CHECKS, handlers_for, is_batch, problems_for
from events.services import build_envelope
from ranking.handlers import apply_match_ratings
from ranking.models import MatchResult, PlayerRating
from tests.events.conftest import match_payload

pytestmark = pytest.mark.django_db

PLAYED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _envelope(data, timestamp=None):
    envelope = build_envelope("match.completed", data)
    envelope["timestamp"] = PLAYED.isoformat() if timestamp is None else timestamp
    return envelope


def test_registered_at_startup_as_a_batch_handler_with_its_player_check():
    assert apply_match_ratings in handlers_for("match.completed")
    assert is_batch(apply_match_ratings)
    assert match_player_problems in _CHECKS["match.completed"]


def test_a_won_match_is_recorded_as_the_envelope_says(make_user):
    p1, p2 = make_user(), make_user()
    data = match_payload(
        p1, p2, winner="p2", player1_score=3, player2_score=9, duration_seconds=421
    )
    assert apply_match_ratings([_envelope(data)]) == {}
    row = MatchResult.objects.get()
    assert str(row.match_id) == data["match_id"]
    assert (row.player1_id, row.player2_id, row.winner_id, row.is_draw) == (
        p1.pk,
        p2.pk,
        p2.pk,
        False,
    )
    assert (row.player1_score, row.player2_score, row.duration_seconds) == (3, 9, 421)
    assert row.played_at == PLAYED
    assert (row.player1_post_elo, row.player2_post_elo) == (1184, 1216)
    assert PlayerRating.objects.get(user=p2).wins == 1
    assert PlayerRating.objects.get(user=p1).losses == 1


def test_a_draw_has_no_winner(make_user):
    p1, p2 = make_user(), make_user()
    apply_match_ratings([_envelope(match_payload(p1, p2, winner=None))])
    row = MatchResult.objects.get()
    assert (row.winner_id, row.is_draw) == (None, True)
    assert (row.player1_post_elo, row.player2_post_elo) == (1200, 1200)
    assert PlayerRating.objects.get(user=p1).draws == 1


def test_an_envelope_without_a_usable_timestamp_is_played_now(make_user):
    p1, p2 = make_user(), make_user()
    before = timezone.now()
    apply_match_ratings([_envelope(match_payload(p1, p2), timestamp="not a date")])
    assert before <= MatchResult.objects.get().played_at <= timezone.now()


def test_matches_with_inactive_players_are_refused_and_the_rest_applied(make_user):
    p1, p2, gone = make_user(), make_user(), make_user()
    gone.is_active = False
    gone.save()
    ok_first, refused, ok_last = (
        _envelope(match_payload(p1, p2)),
        _envelope(match_payload(p1, gone)),
        _envelope(match_payload(p2, p1)),
    )
    rejected = apply_match_ratings([ok_first, refused, ok_last])
    assert list(rejected) == [refused["event_id"]]
    assert rejected[refused["event_id"]]
    assert set(MatchResult.objects.values_list("match_id", flat=True)) == {
        uuid.UUID(ok_first["data"]["match_id"]),
        uuid.UUID(ok_last["data"]["match_id"]),
    }
    assert problems_for("match.completed", refused["data"])
