"""The ELO rules pinned by hand from API.md, not from the code under test.

E = 1 / (1 + 10^((R_other - R_self)/400)): a 400-point gap gives 10^1, so the weaker player
expects 1/11 and the stronger 10/11; an 800-point gap gives 1/101; a 200-point gap gives
1/(1 + √10) = 0.2402530733. delta = round(K x (S - E)), K the smaller of the two players' (32
below 2000, 24 from 2000, 16 from 2400), limited so both ratings stay in [100, 3000].
"""

import pytest

from ranking.elo import elo_delta, expected_score, next_tier_floor, score_for, win_rate


@pytest.mark.parametrize(
    ("r_self", "r_other", "expected"),
    [
        (1200, 1600, 1 / 11),
        (1600, 1200, 10 / 11),
        (1000, 1800, 1 / 101),
        (1800, 1000, 100 / 101),
        (1200, 1400, 0.2402530733520421),  # 1 / (1 + √10)
        (1400, 1200, 0.7597469266479578),
        (1500, 1500, 0.5),
    ],
)
def test_expected_score_uses_base_10_over_400(r_self, r_other, expected):
    assert expected_score(r_self, r_other) == pytest.approx(expected, abs=1e-12)


# (player 1, player 2, S of player 1, what player 1 gains), each worked out in the comment.
DELTAS = [
    (1200, 1600, 1.0, 29),  # 32 x (1 - 1/11) = 29.09
    (1200, 1600, 0.5, 13),  # 32 x (0.5 - 1/11) = 13.09
    (1200, 1600, 0.0, -3),  # 32 x (0 - 1/11) = -2.91
    (1600, 1200, 1.0, 3),  # 32 x (1 - 10/11) = 2.91
    (1600, 1200, 0.0, -29),
    (1200, 1400, 1.0, 24),  # 32 x (1 - 0.24025) = 24.31
    (1400, 1200, 1.0, 8),  # 32 x 0.24025 = 7.69
    (1200, 1400, 0.5, 8),  # 32 x (0.5 - 0.24025) = 8.31
    (1200, 1400, 0.0, -8),  # -7.69
    (1000, 1800, 1.0, 32),  # 32 x 100/101 = 31.68
    (1000, 1800, 0.5, 16),  # 32 x (0.5 - 1/101) = 15.68
    (1000, 1800, 0.0, 0),  # -0.32
    (2000, 2400, 1.0, 15),  # K = min(24, 16) = 16: 16 x 10/11 = 14.55
    (2000, 2400, 0.5, 7),  # 16 x (0.5 - 1/11) = 6.55
    (2000, 2400, 0.0, -1),  # -1.45
    (2400, 2000, 0.0, -15),  # player 2 wins: 16 x (0 - 10/11) = -14.55
    (1600, 2000, 1.0, 22),  # K = min(32, 24) = 24: 24 x 10/11 = 21.82
    (2000, 1600, 0.0, -22),
    (2000, 1600, 0.5, -10),  # 24 x (0.5 - 10/11) = -9.82
    # at the bounds: the limit, not the formula, decides
    (2990, 2998, 0.0, -2),  # player 2 wins near 3000: -7.8 limited so that 2998 + 2 = 3000
    (2998, 2990, 1.0, 2),  # the same with the players swapped
    (2990, 2995, 0.0, -5),  # -7.9 limited to 3000 - 2995
    (105, 110, 0.0, -5),  # player 1 loses 15.8, limited to 105 - 100
    (110, 103, 1.0, 3),  # player 2 loses 15.7, limited to 103 - 100
    (3000, 3000, 0.0, 0),  # the winner is at 3000 already: -8 limited to 0
    (100, 100, 1.0, 0),  # the loser is at 100 already: 16 limited to 0
    (3000, 2990, 0.0, -8),  # player 2 wins: 16 x (0 - 0.514) = -8.2, and 2990 + 8 <= 3000
]


@pytest.mark.parametrize(("r1", "r2", "s", "gain"), DELTAS)
def test_delta_between_players_of_different_ratings(r1, r2, s, gain):
    assert elo_delta(r1, r2, s) == gain
    assert elo_delta(r2, r1, 1.0 - s) == -gain  # the other side of the same match


def test_score_for_the_winner_the_loser_and_a_draw():
    assert score_for("a", "a") == 1.0
    assert score_for("a", "b") == 0.0
    assert score_for("b", "a") == 0.0  # the loser's id sorts after the winner's
    assert score_for("a", None) == 0.5


@pytest.mark.parametrize(
    ("wins", "losses", "draws", "rate"),
    [
        (0, 0, 0, 0.0),
        (1, 2, 0, 0.3333),  # 1/3 rounded to 4 places
        (2, 1, 0, 0.6667),  # 2/3 rounds up
        (1, 1, 1, 0.3333),
        (3, 1, 0, 0.75),
        (0, 4, 0, 0.0),
        (5, 0, 0, 1.0),
        (1, 0, 1, 0.5),
        (2, 3, 2, 0.2857),  # 2/7 = 0.285714…
        (1, 6, 0, 0.1429),  # 1/7 = 0.142857…
    ],
)
def test_win_rate_counts_wins_over_all_matches_rounded_to_4_places(wins, losses, draws, rate):
    assert win_rate(wins, losses, draws) == rate


@pytest.mark.parametrize(
    ("elo", "floor"),
    [
        (100, 800),
        (799, 800),
        (800, 1200),
        (1199, 1200),
        (1200, 1600),
        (1999, 2000),
        (2000, 2400),
        (2400, 2800),
        (2799, 2800),
        (2800, None),
        (3000, None),
    ],
)
def test_next_tier_floor_is_the_lowest_elo_of_the_tier_above(elo, floor):
    assert next_tier_floor(elo) == floor
