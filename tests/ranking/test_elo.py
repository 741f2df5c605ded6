"""Properties 10 to 12 of the design: zero-sum, bounds, tier table (pure functions)."""

from hypothesis import given
from hypothesis import strategies as st

from ranking.elo import elo_delta, expected_score, k_factor, tier_for
from ranking.models import MAX_ELO, MIN_ELO

elos = st.integers(min_value=MIN_ELO, max_value=MAX_ELO)
outcomes = st.sampled_from([1.0, 0.5, 0.0])


@given(r1=elos, r2=elos, s=outcomes)
def test_property_10_zero_sum_and_order_independent(r1, r2, s):
    d1 = elo_delta(r1, r2, s)
    d2 = elo_delta(r2, r1, 1.0 - s)
    assert d1 + d2 == 0
    assert (r1 + d1) + (r2 + d2) == r1 + r2


@given(
    start=st.lists(elos, min_size=2, max_size=6),
    matches=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), outcomes), min_size=1, max_size=60
    ),
)
def test_property_11_ratings_stay_in_bounds_for_any_sequence(start, matches):
    ratings = list(start)
    for a, b, s in matches:
        a, b = a % len(ratings), b % len(ratings)
        if a == b:
            continue
        d = elo_delta(ratings[a], ratings[b], s)
        ratings[a] += d
        ratings[b] -= d
        assert MIN_ELO <= ratings[a] <= MAX_ELO and MIN_ELO <= ratings[b] <= MAX_ELO
    assert sum(ratings) == sum(start)


TABLE = [
    (100, 799, "Bronze"),
    (800, 1199, "Silver"),
    (1200, 1599, "Gold"),
    (1600, 1999, "Platinum"),
    (2000, 2399, "Diamond"),
    (2400, 2799, "Master"),
    (2800, 3000, "Grandmaster"),
]


@given(elo=elos)
def test_property_12_tier_matches_the_table(elo):
    (name,) = [t for lo, hi, t in TABLE if lo <= elo <= hi]
    assert tier_for(elo) == name


def test_tier_boundaries_exactly():
    for lo, hi, name in TABLE:
        assert tier_for(lo) == name and tier_for(hi) == name


def test_k_is_the_smaller_of_the_two_players():
    assert (k_factor(1999), k_factor(2000), k_factor(2399), k_factor(2400)) == (32, 24, 24, 16)
    # 1500 (K 32) vs 2500 (K 16): K = 16.
    assert elo_delta(1500, 2500, 1.0) == round(16 * (1 - expected_score(1500, 2500)))


def test_equal_players_win_draw_loss():
    assert elo_delta(1200, 1200, 1.0) == 16
    assert elo_delta(1200, 1200, 0.5) == 0
    assert elo_delta(1200, 1200, 0.0) == -16


def test_delta_is_limited_at_the_bounds():
    assert elo_delta(2995, 2995, 1.0) == 5  # the winner stops at 3000
    assert elo_delta(105, 105, 0.0) == -5  # the loser stops at 100
    assert elo_delta(3000, 1200, 1.0) == 0
