"""calculate_match_xp and xp_award: tiers, lifetime XP, idempotency, events, no active season."""

import uuid

import pytest
from django.db import transaction

from battlepass.models import PlayerSeasonProgress, XPLog
from battlepass.services import XPAwardResult, calculate_match_xp, xp_award
from events.models import OutboxEvent
from tests.battlepass.factories import SeasonFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("won", "kills", "streak", "duration", "expected"),
    [
        (True, 0, 0, 0, 100),
        (False, 0, 0, 0, 50),
        (None, 0, 0, 0, 75),
        (True, 3, 2, 305, 100 + 15 + 20 + 30),
        (False, 1, 0, 9, 55),
        (True, 100, 100, 10_000, 300),
        (False, -5, -1, -100, 50),
        (None, 2, 1, 125, 75 + 10 + 10 + 12),
    ],
)
def test_match_xp_formula(won, kills, streak, duration, expected):
    assert (
        calculate_match_xp(won=won, kills=kills, streak=streak, duration_seconds=duration)
        == expected
    )


def _events(event_type):
    return [row.envelope["data"] for row in OutboxEvent.objects.filter(event_type=event_type)]


def test_award_adds_season_and_lifetime_xp_and_moves_tiers(user):
    season = SeasonFactory(xp_per_tier=1000, max_tier=10)
    first = xp_award(user=user, amount=900, source="match", match_id="m1")
    assert first == XPAwardResult(
        awarded=True,
        amount=900,
        season_id=str(season.pk),
        old_tier=0,
        new_tier=0,
        current_xp=900,
        old_level=1,
        new_level=3,
        total_xp=900,
    )
    second = xp_award(user=user, amount=250, source="match", match_id="m2")
    assert (second.old_tier, second.new_tier, second.current_xp) == (0, 1, 1150)
    progress = PlayerSeasonProgress.objects.get(user=user, season=season)
    assert (progress.current_xp, progress.current_tier) == (1150, 1)
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 1150
    assert XPLog.objects.filter(user=user).count() == 2


def test_tier_never_passes_max_tier(user):
    SeasonFactory(xp_per_tier=100, max_tier=3)
    result = xp_award(user=user, amount=10_000, source="admin")
    assert result.new_tier == 3 and result.current_xp == 10_000


def test_replay_of_a_match_is_a_no_op_returning_the_first_result(user):
    SeasonFactory()
    first = xp_award(user=user, amount=120, source="match", match_id="abc")
    again = xp_award(user=user, amount=999, source="match", match_id="abc")
    assert again.awarded is False
    assert again == XPAwardResult(**{**first.__dict__, "awarded": False})
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 120
    assert XPLog.objects.filter(user=user).count() == 1


def test_same_match_under_another_source_or_user_is_separate(user, make_user):
    SeasonFactory()
    other = make_user()
    assert xp_award(user=user, amount=100, source="match", match_id="x").awarded
    assert xp_award(user=other, amount=100, source="match", match_id="x").awarded
    challenge = uuid.uuid4()
    assert xp_award(
        user=user, amount=50, source="season_challenge", match_id="x", challenge_id=challenge
    ).awarded
    assert not xp_award(
        user=user, amount=50, source="season_challenge", match_id="y", challenge_id=challenge
    ).awarded


def test_reference_makes_awards_without_match_idempotent(user):
    SeasonFactory()
    assert xp_award(user=user, amount=60, source="daily_bonus", reference="d:2026-11-25").awarded
    assert not xp_award(
        user=user, amount=60, source="daily_bonus", reference="d:2026-11-25"
    ).awarded
    assert xp_award(user=user, amount=60, source="daily_bonus", reference="d:2026-11-26").awarded
    # No match id, challenge or reference: never deduplicated.
    assert xp_award(user=user, amount=5, source="admin").awarded
    assert xp_award(user=user, amount=5, source="admin").awarded
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 130


def test_no_active_season_still_gives_profile_xp(user):
    SeasonFactory(is_active=False)
    result = xp_award(user=user, amount=400, source="match", match_id="m")
    assert result.awarded and result.season_id is None
    assert (result.old_tier, result.new_tier, result.current_xp) == (0, 0, 0)
    assert result.total_xp == 400 and result.new_level == 2
    assert not PlayerSeasonProgress.objects.exists()
    assert not xp_award(user=user, amount=400, source="match", match_id="m").awarded


def test_events_for_reached_reward_tiers_and_level_up(user):
    season = SeasonFactory(xp_per_tier=100, max_tier=10)
    TierFactory(season=season, tier_number=1, free_reward_type="coins", free_reward_value="50")
    TierFactory(season=season, tier_number=2, free_reward_type="", free_reward_value="")
    TierFactory(
        season=season,
        tier_number=3,
        free_reward_type="",
        free_reward_value="",
        premium_reward_type="xp",
        premium_reward_value="25",
    )
    TierFactory(season=season, tier_number=5, free_reward_type="coins", free_reward_value="70")
    xp_award(user=user, amount=350, source="match", match_id="m1")
    rewards = _events("battlepass.reward_earned")
    assert [(e["tier_reached"], e["reward_type"], e["reward_value"]) for e in rewards] == [
        (1, "coins", "50"),
        (3, "xp", "25"),
    ]
    assert all(e["user_id"] == str(user.pk) and e["season_id"] == str(season.pk) for e in rewards)
    assert _events("player.levelup") == []  # 350 XP is still level 1
    xp_award(user=user, amount=100, source="match", match_id="m2")
    assert _events("player.levelup") == [
        {"user_id": str(user.pk), "old_level": 1, "new_level": 2, "total_xp": 450}
    ]
    # Tier 4 (no row) reached: no new reward event.
    assert len(_events("battlepass.reward_earned")) == 2
    xp_award(user=user, amount=100, source="match", match_id="m2")  # replay: nothing new
    assert len(_events("player.levelup")) == 1


def test_events_roll_back_with_the_outer_transaction(user):
    season = SeasonFactory(xp_per_tier=100)
    TierFactory(season=season, tier_number=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        xp_award(user=user, amount=1000, source="match", match_id="m")
        raise RuntimeError("the match handler failed")
    assert not XPLog.objects.exists()
    assert not OutboxEvent.objects.exists()
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 0
    assert xp_award(user=user, amount=1000, source="match", match_id="m").awarded


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_bad_amounts_are_refused(user, amount):
    with pytest.raises(ValueError):
        xp_award(user=user, amount=amount, source="match")


def test_unknown_source_is_refused(user):
    with pytest.raises(ValueError):
        xp_award(user=user, amount=5, source="cheat")
