"""Property tests (Hypothesis, 100 examples each): match XP bounds, tier arithmetic of awards,
and a reward granted at most once per (season, tier, track) whatever the order of operations."""

import pytest
from django.db.models import Sum
from hypothesis import given
from hypothesis import strategies as st

from battlepass.models import PlayerSeasonProgress, RewardClaim, Season
from battlepass.services import (
    battlepass_premium_purchase,
    battlepass_reward_claim,
    calculate_match_xp,
    xp_award,
)
from core.errors import ApplicationError
from cosmetics.models import Wallet, WalletEntry
from cosmetics.services import wallet_change
from tests.battlepass.factories import SeasonFactory, TierFactory
from tests.factories import UserFactory

big = st.integers(min_value=-(10**6), max_value=10**9)


@given(won=st.sampled_from([True, False, None]), kills=big, streak=big, duration=big)
def test_property_8_match_xp_is_always_between_50_and_300(won, kills, streak, duration):
    xp = calculate_match_xp(won=won, kills=kills, streak=streak, duration_seconds=duration)
    assert 50 <= xp <= 300


@pytest.fixture
def season(db):
    return SeasonFactory(xp_per_tier=1000, max_tier=10)


@pytest.mark.django_db
@given(
    xp_per_tier=st.integers(min_value=1, max_value=2000),
    max_tier=st.integers(min_value=1, max_value=20),
    awards=st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=12),
)
def test_property_9_awards_move_tiers_by_thresholds_crossed(season, xp_per_tier, max_tier, awards):
    Season.objects.filter(pk=season.pk).update(xp_per_tier=xp_per_tier, max_tier=max_tier)
    user = UserFactory()
    total = 0
    for n, amount in enumerate(awards):
        result = xp_award(user=user, amount=amount, source="match", match_id=f"m{n}")
        crossed = (total + amount) // xp_per_tier - total // xp_per_tier
        total += amount
        assert result.current_xp == total and result.total_xp == total
        assert result.new_tier <= max_tier
        assert result.new_tier == min(max_tier, total // xp_per_tier)
        if crossed == 1 and result.old_tier < max_tier:
            assert result.new_tier == result.old_tier + 1
        if crossed == 0:
            assert result.new_tier == result.old_tier
    user.profile.refresh_from_db()
    assert user.profile.total_xp == sum(awards)
    progress = PlayerSeasonProgress.objects.get(user=user, season=season)
    assert progress.current_xp == sum(awards)


TIERS = 4


def _reward_amount(tier: int, track: str) -> int:
    return tier * 10 + (5 if track == "premium" else 0)


operation = st.one_of(
    st.tuples(
        st.just("claim"),
        st.integers(min_value=1, max_value=TIERS),
        st.sampled_from(["free", "premium", None]),
    ),
    st.tuples(st.just("premium")),
    st.tuples(st.just("xp"), st.integers(min_value=1, max_value=1500)),
)


@pytest.fixture
def reward_season(db):
    season = SeasonFactory(xp_per_tier=1000, max_tier=TIERS)
    for tier in range(1, TIERS + 1):
        TierFactory(
            season=season,
            tier_number=tier,
            free_reward_type="coins",
            free_reward_value=str(_reward_amount(tier, "free")),
            # Tier 3 has no premium reward.
            premium_reward_type="" if tier == 3 else "coins",
            premium_reward_value="" if tier == 3 else str(_reward_amount(tier, "premium")),
        )
    return season


def _coins_from_claims(user) -> int:
    return (
        WalletEntry.objects.filter(wallet__user=user, currency="coins").aggregate(s=Sum("amount"))[
            "s"
        ]
        or 0
    )


@pytest.mark.django_db
@given(operations=st.lists(operation, max_size=10))
def test_a_reward_is_granted_at_most_once_whatever_the_order(reward_season, operations):
    user = UserFactory()
    wallet_change(user=user, currency="premium", amount=10_000, reason="test top-up")
    for n, op in enumerate(operations):
        try:
            if op[0] == "claim":
                battlepass_reward_claim(user=user, tier=op[1], track=op[2])
            elif op[0] == "premium":
                battlepass_premium_purchase(user=user)
            else:
                xp_award(user=user, amount=op[1], source="match", match_id=f"m{n}")
        except ApplicationError:
            pass
        claims = list(RewardClaim.objects.filter(user=user).values_list("tier", "track"))
        assert len(claims) == len(set(claims))
        assert _coins_from_claims(user) == sum(_reward_amount(t, tr) for t, tr in claims)
    # Finish: premium, every tier reached, everything claimed: each reward exactly once.
    try:
        battlepass_premium_purchase(user=user)
    except ApplicationError:
        pass
    xp_award(user=user, amount=TIERS * 1000, source="admin")
    for tier in range(1, TIERS + 1):
        try:
            battlepass_reward_claim(user=user, tier=tier)
        except ApplicationError:
            pass
    claims = sorted(RewardClaim.objects.filter(user=user).values_list("tier", "track"))
    expected = sorted(
        (t, tr)
        for t in range(1, TIERS + 1)
        for tr in ("free", "premium")
        if (t, tr) != (3, "premium")
    )
    assert claims == expected
    assert Wallet.objects.get(user=user).coins == sum(_reward_amount(t, tr) for t, tr in expected)
    assert Wallet.objects.get(user=user).premium == 10_000 - reward_season.premium_price
