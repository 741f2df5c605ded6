"""Ranking's part of ending a season: the standings freeze and the ELO soft reset.

Both are set-based SQL. The battle pass's season-end run (``battlepass.season_end``) calls them,
each in its own short transaction with its progress marker; ranking does not know seasons
beyond their number.

* Freeze: one ``INSERT … SELECT`` with window functions over the listed ratings — the snapshot
  of that statement is the final standings; a match applied after it is not in them.
* Soft reset, by ``user_id`` ranges: new ELO = round(1200 + (frozen ELO - 1200) x factor) plus
  whatever the player gained or lost after the freeze (a match after the freeze counts for the
  next season), clamped to [100, 3000]; tier recomputed; ``peak_elo`` kept (raised to the new ELO
  only where the reset lifts a rating above it, as peak ≥ current demands).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from ranking.elo import TIER_FLOORS
from ranking.models import (
    MAX_ELO,
    MIN_ELO,
    START_ELO,
    PlayerRating,
    SeasonStanding,
    SeasonStandings,
)


def reset_factor() -> float:
    """``SEASON_RESET_FACTOR`` (default 0.5), which must lie in [0, 1]."""
    factor = getattr(settings, "SEASON_RESET_FACTOR", 0.5)
    problem = factor_problem(factor)
    if problem:
        raise ImproperlyConfigured(f"SEASON_RESET_FACTOR: {problem}")
    return float(factor)


def factor_problem(factor) -> str | None:
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        return f"must be a number in [0, 1], not {factor!r}."
    if not 0 <= factor <= 1:
        return f"must be in [0, 1], not {factor}."
    return None


def soft_reset_elo(elo: int, factor: float, drift: int = 0) -> int:
    """round(1200 + (elo - 1200) x factor) + drift, clamped to [100, 3000]. Python's round (half
    to even) is PostgreSQL's ``round(double precision)``: the SQL reset gives the same numbers."""
    return max(MIN_ELO, min(MAX_ELO, round(START_ELO + (elo - START_ELO) * factor) + drift))


def _db_uuid(value):
    return value if connection.vendor == "postgresql" else uuid.UUID(str(value)).hex


def _tier_case(column: str) -> str:
    whens = " ".join(f"WHEN {column} >= {floor} THEN '{tier}'" for floor, tier in TIER_FLOORS)
    return f"CASE {whens} ELSE 'Bronze' END"


def standings_freeze(*, season_number: int, name: str) -> int:
    """Snapshot the listed ratings as the season's final standings (in the caller's
    transaction); a second call for the same season changes nothing. Returns the player count."""
    if SeasonStandings.objects.filter(season_number=season_number).exists():
        return SeasonStandings.objects.get(season_number=season_number).players
    table, ratings = SeasonStanding._meta.db_table, PlayerRating._meta.db_table
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if pg:  # the two window sorts of a million rows in memory, not on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"""
            INSERT INTO {table} (season_number, user_id, final_rank, final_country_rank,
                                 final_elo, final_tier, country, wins, losses, draws, win_rate)
            SELECT %s, user_id,
                   ROW_NUMBER() OVER (ORDER BY current_elo DESC, user_id),
                   CASE WHEN country = '' THEN NULL ELSE ROW_NUMBER() OVER (
                       PARTITION BY country ORDER BY current_elo DESC, user_id) END,
                   current_elo, current_tier, country, wins, losses, draws, win_rate
            FROM {ratings} WHERE listed
            """,  # noqa: S608 - our table names
            [season_number],
        )
        players = cursor.rowcount
        if pg:  # the chunks that follow read these rows by user id: plan with their real size
            cursor.execute(f"ANALYZE {table}")
    SeasonStandings.objects.create(
        season_number=season_number, name=name[:100], frozen_at=timezone.now(), players=players
    )
    return players


def standings_published(*, season_number: int) -> None:
    SeasonStandings.objects.filter(season_number=season_number, published_at=None).update(
        published_at=timezone.now()
    )


def standings_chunk(*, season_number: int, after: uuid.UUID | None, limit: int) -> list[dict]:
    """The next ``limit`` standings of the season in user_id order, after ``after``."""
    qs = SeasonStanding.objects.filter(season_number=season_number)
    if after is not None:
        qs = qs.filter(user_id__gt=after)
    return list(
        qs.order_by("user_id").values(
            "user_id", "final_rank", "final_country_rank", "final_elo", "final_tier"
        )[:limit]
    )


def ratings_soft_reset(
    *, season_number: int, after: uuid.UUID | None, limit: int, factor: float
) -> tuple[int, uuid.UUID | None]:
    """Soft-reset the ratings of the next ``limit`` frozen players (user_id order, after
    ``after``), in the caller's transaction: (players reset, last user_id or None when done).
    Each row is re-read under its lock, so a match applied concurrently is kept as drift."""
    if factor_problem(factor):
        raise ValueError(f"factor {factor_problem(factor)}")
    chunk = standings_chunk(season_number=season_number, after=after, limit=limit)
    if not chunk:
        return 0, None
    first, last = chunk[0]["user_id"], chunk[-1]["user_id"]
    ratings, standings = PlayerRating._meta.db_table, SeasonStanding._meta.db_table
    pg = connection.vendor == "postgresql"
    most, least = ("GREATEST", "LEAST") if pg else ("MAX", "MIN")
    # Evaluated on the row as locked (a concurrent match's result included): the drift
    # current_elo - final_elo is what the player gained since the freeze.
    elo = (
        f"{most}({MIN_ELO}, {least}({MAX_ELO}, "
        f"CAST(ROUND({START_ELO} + (s.final_elo - {START_ELO}) * CAST({float(factor)!r} AS DOUBLE PRECISION))"
        f" AS INTEGER) + ({ratings}.current_elo - s.final_elo)))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ratings}
            SET current_elo = {elo},
                peak_elo = {most}({ratings}.peak_elo, {elo}),
                current_tier = {_tier_case(elo)},
                revision = {ratings}.revision + 1,
                updated_at = %s
            FROM {standings} s
            WHERE s.user_id = {ratings}.user_id AND s.season_number = %s
              AND s.user_id >= %s AND s.user_id <= %s
            """,  # noqa: S608 - our table names and integer constants
            [timezone.now(), season_number, *(_db_uuid(u) for u in (first, last))],
        )
    return len(chunk), last
