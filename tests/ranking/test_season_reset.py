"""The ELO soft reset: the formula's properties (Hypothesis) and the SQL reset agreeing with
it for many ratings at once."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ranking.elo import tier_for
from ranking.models import PlayerRating
from ranking.season_end import (
    factor_problem,
    ratings_soft_reset,
    soft_reset_elo,
    standings_freeze,
)
from tests.factories import UserFactory

elos = st.integers(min_value=100, max_value=3000)
factors = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=300)
@given(elo=elos, factor=factors)
def test_reset_stays_in_bounds_and_moves_towards_1200(elo, factor):
    new = soft_reset_elo(elo, factor)
    assert 100 <= new <= 3000
    assert abs(new - 1200) <= abs(elo - 1200)
    assert soft_reset_elo(elo, 0) == 1200 and soft_reset_elo(elo, 1) == elo


@settings(max_examples=200)
@given(a=elos, b=elos, factor=factors)
def test_reset_keeps_the_order(a, b, factor):
    if a <= b:
        assert soft_reset_elo(a, factor) <= soft_reset_elo(b, factor)


@settings(max_examples=200)
@given(value=st.one_of(st.floats(allow_nan=True), st.integers(), st.booleans(), st.text()))
def test_factor_validation(value):
    valid = (
        not isinstance(value, bool | str)
        and value == value  # not NaN
        and 0 <= value <= 1
    )
    assert (factor_problem(value) is None) == valid


@pytest.mark.django_db
@pytest.mark.parametrize("factor", [0.0, 0.25, 0.5, 0.7, 1.0])
def test_sql_reset_matches_the_formula(factor):
    rng = random.Random(int(factor * 100))
    ratings = []
    for _ in range(60):
        elo = rng.randint(100, 3000)
        ratings.append(
            PlayerRating(
                user=UserFactory(), current_elo=elo, peak_elo=elo, current_tier=tier_for(elo)
            )
        )
    PlayerRating.objects.bulk_create(ratings)
    standings_freeze(season_number=7, name="S7")
    after, done = None, 0
    while True:
        n, after = ratings_soft_reset(season_number=7, after=after, limit=17, factor=factor)
        done += n
        if after is None:
            break
    assert done == 60
    for rating in ratings:
        row = PlayerRating.objects.get(pk=rating.pk)
        expected = soft_reset_elo(rating.current_elo, factor)
        assert row.current_elo == expected
        assert row.current_tier == tier_for(expected)
        assert row.peak_elo == max(rating.peak_elo, expected)
