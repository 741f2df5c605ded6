"""Fast seeding of the benchmark database with COPY: users, profiles, ratings and matches.

Columns the benchmark does not care about get each model field's default, so the seed follows
the models as they change."""

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

from django.db import connection, models
from django.utils import timezone

from ranking.csv_import import MATCH_RESULT_COLUMNS
from ranking.elo import tier_for

COUNTRIES = ["US", "DE", "FR", "GB", "BR", "JP", "KR", "CA", "ES", "IT", "PL", "SE", "MX", "AU"]
CHUNK = 20_000


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    if hasattr(value, "obj"):  # psycopg Jsonb wrapper
        return json.dumps(value.obj)
    return str(value)


def _template(model, given: list[str]) -> tuple[list[str], list[str]]:
    """(columns, text values) of every concrete column not in ``given``, from field defaults."""
    # Seeded rows look a month old (a rebuild re-applies only recently changed ratings).
    now = timezone.now() - timedelta(days=30)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given or isinstance(field, models.AutoField | models.BigAutoField):
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            value = field.get_default()
        prepped = field.get_db_prep_save(value, connection)
        columns.append(field.column)
        values.append(_text(prepped))
    return columns, values


def copy_model(model, given: list[str], rows) -> int:
    """COPY ``rows`` (tuples for the ``given`` columns) into the model's table."""
    rest_cols, rest_vals = _template(model, given)
    tail = ("\t" + "\t".join(rest_vals)) if rest_vals else ""
    cols = ", ".join([*given, *rest_cols])
    count = 0
    sql = f"COPY {model._meta.db_table} ({cols}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        buf = []
        for row in rows:
            buf.append("\t".join(_text(v) for v in row) + tail + "\n")
            count += 1
            if len(buf) >= CHUNK:
                copy.write("".join(buf))
                buf = []
        if buf:
            copy.write("".join(buf))
    return count


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def seed_players(n: int, seed: int = 7) -> list[uuid.UUID]:
    """n users with profiles and ratings (ELO ~ normal(1200, 300), many ties)."""
    from accounts.models import User
    from profiles.models import Profile
    from ranking.models import PlayerRating

    rng = random.Random(seed)
    ids = [_uuid(rng) for _ in range(n)]
    countries = [rng.choice(COUNTRIES) for _ in range(n)]
    copy_model(
        User,
        ["id", "email", "password"],
        ((uid, f"bench{i}@bench.local", "!bench") for i, uid in enumerate(ids)),
    )
    copy_model(
        Profile,
        ["user_id", "display_name", "country"],
        ((uid, f"Bench{i:07d}", countries[i]) for i, uid in enumerate(ids)),
    )
    last = datetime(2026, 11, 1, tzinfo=UTC)

    def ratings():
        for i, uid in enumerate(ids):
            elo = max(100, min(3000, round(rng.gauss(1200, 300))))
            wins, losses, draws = rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 5)
            played = wins + losses + draws
            rate = round(wins / played, 4) if played else 0.0
            yield (
                uid,
                elo,
                min(3000, elo + rng.randint(0, 50)),
                tier_for(elo),
                wins,
                losses,
                draws,
                rate,
                last,
                countries[i],
            )

    copy_model(
        PlayerRating,
        [
            "user_id",
            "current_elo",
            "peak_elo",
            "current_tier",
            "wins",
            "losses",
            "draws",
            "win_rate",
            "last_match_date",
            "country",
        ],
        ratings(),
    )
    return ids


def seed_matches(ids: list[uuid.UUID], n: int, seed: int = 11) -> int:
    """n matches between random pairs of ``ids`` (placeholder ELO columns: backfill fills them)."""
    from ranking.models import MatchResult

    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def rows():
        for i in range(n):
            a, b = rng.sample(ids, 2)
            outcome = rng.random()
            winner = a if outcome < 0.47 else (b if outcome < 0.94 else None)
            yield (
                _uuid(rng),
                a,
                b,
                winner,
                winner is None,
                rng.randint(0, 20),
                rng.randint(0, 20),
                rng.randint(60, 900),
                1200,
                1200,
                1200,
                1200,
                0,
                start + timedelta(seconds=i * 7),
            )

    return copy_model(
        MatchResult,
        list(MATCH_RESULT_COLUMNS),
        rows(),
    )
