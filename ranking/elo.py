"""The ELO rules of API.md as pure functions (no database): K, expected score, delta, tier."""

from ranking.models import MAX_ELO, MIN_ELO, Tier

# (lowest ELO of the tier, tier), highest first.
TIER_FLOORS: tuple[tuple[int, str], ...] = (
    (2800, Tier.GRANDMASTER),
    (2400, Tier.MASTER),
    (2000, Tier.DIAMOND),
    (1600, Tier.PLATINUM),
    (1200, Tier.GOLD),
    (800, Tier.SILVER),
    (MIN_ELO, Tier.BRONZE),
)


TIER_ORDER: tuple[str, ...] = tuple(str(tier) for _, tier in reversed(TIER_FLOORS))  # low→high
TIER_FLOORS_ASCENDING: tuple[int, ...] = tuple(sorted(floor for floor, _ in TIER_FLOORS))


def next_tier_floor(elo: int) -> int | None:
    """The lowest ELO of the tier above ``elo``'s tier (None in the top tier): the players at or
    above it are the ones ahead of ``elo`` in higher tiers."""
    return next((floor for floor in TIER_FLOORS_ASCENDING if floor > elo), None)


def tier_for(elo: int) -> str:
    for floor, tier in TIER_FLOORS:
        if elo >= floor:
            return str(tier)
    return str(Tier.BRONZE)


def k_factor(elo: int) -> int:
    if elo >= 2400:
        return 16
    if elo >= 2000:
        return 24
    return 32


def expected_score(r_self: int, r_other: int) -> float:
    return 1.0 / (1.0 + 10.0 ** ((r_other - r_self) / 400.0))


def elo_delta(r1: int, r2: int, score1: float) -> int:
    """What player 1 gains (player 2 gains the opposite) for ``score1`` ∈ {1, 0.5, 0}.

    One K per match (the smaller of the two players'). ``round`` rounds half to even, which is
    symmetric (round(-x) == -round(x)), so the result does not depend on who is player 1. The
    delta is then limited so that both ratings stay in [MIN_ELO, MAX_ELO].
    """
    k = min(k_factor(r1), k_factor(r2))
    delta = round(k * (score1 - expected_score(r1, r2)))
    lower = max(MIN_ELO - r1, r2 - MAX_ELO)
    upper = min(MAX_ELO - r1, r2 - MIN_ELO)
    return max(lower, min(upper, delta))


def score_for(player_id, winner_id) -> float:
    if winner_id is None:
        return 0.5
    return 1.0 if winner_id == player_id else 0.0


def win_rate(wins: int, losses: int, draws: int) -> float:
    played = wins + losses + draws
    return round(wins / played, 4) if played else 0.0
