"""Set-based seeding of the season-end benchmark: every table filled by one
``INSERT … SELECT … FROM generate_series`` (no Python row loop). Columns the benchmark does not
care about get each model field's default, so the seed follows the models as they change."""

from django.db import connection, models
from django.utils import timezone

from ranking.elo import TIER_FLOORS

COUNTRIES = ["US", "DE", "FR", "GB", "BR", "JP", "KR", "CA", "ES", "IT", "PL", "SE", "MX", "AU"]
USER_ID = "md5('bench-user-' || g)::uuid"  # the g-th player's id, random in id order


def insert_series(model, n: int, given: dict[str, str], where: str = "") -> int:
    """Insert one row of ``model`` per g in 1..n: ``given`` maps columns to SQL expressions of
    ``g``; every other column gets the field's default (auto timestamps: now)."""
    now = timezone.now()
    columns, expressions, params = list(given), list(given.values()), []
    for field in model._meta.concrete_fields:
        if field.column in given or isinstance(field, models.AutoField | models.BigAutoField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default() or not field.null:
            value = field.get_default()
        else:
            value = None
        columns.append(field.column)
        expressions.append(f"CAST(%s AS {field.db_type(connection)})")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) g {where}",
            [*params, n],
        )
        return cursor.rowcount


def _tier(column: str) -> str:
    whens = " ".join(f"WHEN {column} >= {floor} THEN '{tier}'" for floor, tier in TIER_FLOORS)
    return f"CASE {whens} ELSE 'Bronze' END"


def seed_players(n: int) -> None:
    """n users with profiles and listed ratings: ELO ~ normal(1200, 300) (the sum of four
    uniforms), clamped to [100, 3000], many ties."""
    from accounts.models import User
    from profiles.models import Profile
    from ranking.models import PlayerRating

    countries = (
        "(ARRAY[" + ", ".join(f"'{c}'" for c in COUNTRIES) + f"])[1 + mod(g, {len(COUNTRIES)})]"
    )
    insert_series(
        User,
        n,
        {"id": USER_ID, "email": "'bench' || g || '@bench.local'", "password": "'!bench'"},
    )
    insert_series(
        Profile,
        n,
        {
            "user_id": USER_ID,
            "display_name": "'Bench' || lpad(g::text, 7, '0')",
            "country": countries,
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.7)")
    elo = (
        "GREATEST(100, LEAST(3000, round(1200 + 519.6 * "
        "(random() + random() + random() + random() - 2))))::int"
    )
    insert_series(
        PlayerRating,
        n,
        {
            "user_id": USER_ID,
            "current_elo": "e.elo",
            "peak_elo": "LEAST(3000, e.elo + mod(g, 50))",
            "current_tier": _tier("e.elo"),
            "wins": "mod(g, 61)",
            "losses": "mod(g * 7, 61)",
            "draws": "mod(g, 6)",
            "win_rate": "0.5",
            "last_match_date": "TIMESTAMPTZ '2026-11-01'",
            "country": countries,
        },
        where=f", LATERAL (SELECT {elo} + 0 * g AS elo) e",
    )


def seed_progress(n: int, season_id, *, xp: int, tier: int) -> int:
    """Battle-pass progress at ``tier`` with nothing claimed for every second player."""
    from battlepass.models import PlayerSeasonProgress

    return insert_series(
        PlayerSeasonProgress,
        n,
        {
            "user_id": USER_ID,
            "season_id": f"'{season_id}'::uuid",
            "current_xp": str(xp),
            "current_tier": str(tier),
        },
        where="WHERE mod(g, 2) = 0",
    )
