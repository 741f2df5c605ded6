"""Pins of a match batch's follow-up effects (battlepass.match_xp), by outcome: a tier reached
with a reward gives one ``battlepass.reward_earned`` and no other award does; a level reached
(API.md: level = max(1, floor(sqrt(total_xp / 100)))) gives one ``player.levelup`` and no other
award does; match XP feeds ``xp_earned`` challenges and challenge rewards do not; a challenge
whose target a match jumps past completes; the season progress row's ``updated_at`` moves.

Match XP (API.md): win 100, loss 50, draw 75; +5 a kill, +10 a streak, +1 per 10 s; in [50, 300].
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from battlepass.handlers import apply_match_xp
from battlepass.models import ChallengeProgress, PlayerSeasonProgress, SeasonChallenge, XPLog
from events.models import OutboxEvent
from events.services import build_envelope
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.events.conftest import match_payload

pytestmark = pytest.mark.django_db

BARE = {  # no kills, streaks or time: the winner gets 100 XP, the loser 50
    "player1_kills": 0,
    "player2_kills": 0,
    "player1_streak": 0,
    "player2_streak": 0,
    "duration_seconds": 0,
}


def _apply(*matches) -> None:
    assert apply_match_xp([build_envelope("match.completed", m) for m in matches]) == {}


def _events(event_type: str, user) -> list[dict]:
    datas = (row.envelope["data"] for row in OutboxEvent.objects.filter(event_type=event_type))
    return [data for data in datas if data["user_id"] == str(user.pk)]


def test_a_tier_reached_gives_its_reward_event_and_no_other_award_does(make_user):
    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    coin_tiers(season, 3, free=100, premium=None)
    a, b = make_user(), make_user()
    _apply(match_payload(a, b, winner="p1", **BARE))  # a 100 XP: tier 1; b 50: tier 0
    assert [
        (e["tier_reached"], e["reward_type"], e["reward_value"])
        for e in _events("battlepass.reward_earned", a)
    ] == [(1, "coins", "100")]
    assert _events("battlepass.reward_earned", b) == []
    _apply(match_payload(b, a, winner="p1", **BARE))  # b 150: tier 1; a 150: still tier 1
    assert [e["tier_reached"] for e in _events("battlepass.reward_earned", b)] == [1]
    assert len(_events("battlepass.reward_earned", a)) == 1
    _apply(match_payload(a, b, winner="p1", **BARE))  # a 250: tier 2, its reward alone
    assert [e["tier_reached"] for e in _events("battlepass.reward_earned", a)] == [1, 2]
    _apply(match_payload(a, b, winner="p1", **BARE))  # a 350: tier 3, nothing below it again
    assert [e["tier_reached"] for e in _events("battlepass.reward_earned", a)] == [1, 2, 3]


def test_a_level_reached_gives_one_levelup_event_and_no_other_award_does(make_user):
    SeasonFactory(xp_per_tier=1000, max_tier=10)
    a, b = make_user(), make_user()
    # +300 for the time: the winner's 400 and the loser's 350 are both capped at 300
    long_win = {**BARE, "duration_seconds": 3000}
    _apply(match_payload(a, b, winner="p1", **long_win))  # 300 each: level 1 (sqrt 3)
    assert _events("player.levelup", a) == [] and _events("player.levelup", b) == []
    _apply(match_payload(a, b, winner="p1", **BARE))  # a 400: level 2; b 350: level 1
    assert _events("player.levelup", a) == [
        {"user_id": str(a.pk), "old_level": 1, "new_level": 2, "total_xp": 400}
    ]
    assert _events("player.levelup", b) == []


def test_match_xp_feeds_xp_earned_challenges_and_challenge_rewards_do_not(make_user):
    season = SeasonFactory(xp_per_tier=1000, max_tier=10)
    earned = SeasonChallenge.objects.create(
        season=season, code="earn", name="Earn", metric="xp_earned", target=10_000, xp_reward=1
    )
    SeasonChallenge.objects.create(
        season=season, code="win", name="Win", metric="wins", target=1, xp_reward=40
    )
    a, b = make_user(), make_user()
    _apply(match_payload(a, b, winner="p1", **BARE))
    # a: 100 match XP plus the win challenge's 40; only the 100 count towards xp_earned
    assert XPLog.objects.get(user=a, source="season_challenge").amount == 40
    assert ChallengeProgress.objects.get(user=a, challenge=earned).progress == 100
    assert ChallengeProgress.objects.get(user=b, challenge=earned).progress == 50


def test_a_match_past_a_challenge_target_completes_it(make_user):
    season = SeasonFactory(xp_per_tier=1000, max_tier=10)
    kills = SeasonChallenge.objects.create(
        season=season, code="kills", name="Kills", metric="kills", target=3, xp_reward=25
    )
    a, b = make_user(), make_user()
    _apply(match_payload(a, b, winner="p1", **{**BARE, "player1_kills": 5}))
    row = ChallengeProgress.objects.get(user=a, challenge=kills)
    assert row.progress == 5 and row.completed_at is not None
    assert XPLog.objects.get(user=a, source="season_challenge", challenge_id=kills.pk).amount == 25
    assert not ChallengeProgress.objects.filter(user=b, challenge=kills, progress__gt=0).exists()


def test_the_season_progress_row_records_when_it_changed(make_user):
    season = SeasonFactory(xp_per_tier=1000, max_tier=10)
    a, b = make_user(), make_user()
    _apply(match_payload(a, b, winner="p1", **BARE))
    long_ago = timezone.now() - timedelta(days=3)
    PlayerSeasonProgress.objects.filter(season=season).update(updated_at=long_ago)
    before = timezone.now()
    _apply(match_payload(a, b, winner="p1", **BARE))
    for user in (a, b):
        assert PlayerSeasonProgress.objects.get(user=user, season=season).updated_at >= before
