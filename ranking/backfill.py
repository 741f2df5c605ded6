"""``backfill_elo``: replay every recorded match in ``played_at`` order from the start ELO,
rewriting the per-match before/after/delta columns and the ratings, in one transaction (the
rating and match tables are locked against concurrent writers meanwhile). Re-running gives the
same result; ``dry_run`` does all the work and rolls it back."""

import time
import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from core.cache import invalidate
from ranking.bulk import copy_rows, is_postgres, update_from_rows
from ranking.cache import rating_cache_keys
from ranking.csv_import import CsvReport, import_matches
from ranking.elo import elo_delta, tier_for, win_rate
from ranking.models import START_ELO, MatchResult, PlayerRating
from ranking.rebuild import rebuild_leaderboards, recount_board_sizes
from ranking.selectors import profile_countries

MATCH_COLUMNS = (
    ("player1_pre_elo", "integer"),
    ("player1_post_elo", "integer"),
    ("player2_pre_elo", "integer"),
    ("player2_post_elo", "integer"),
    ("elo_delta_p1", "integer"),
)
RATING_COLUMNS = (
    ("current_elo", "integer"),
    ("peak_elo", "integer"),
    ("current_tier", "varchar(12)"),
    ("wins", "integer"),
    ("losses", "integer"),
    ("draws", "integer"),
    ("win_rate", "double precision"),
    ("last_match_date", "timestamptz"),
)


@dataclass
class BackfillReport:
    imported: int = 0
    matches: int = 0
    matches_changed: int = 0
    ratings_changed: int = 0
    ratings_created: int = 0
    ratings_removed: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    changed_users: list = field(default_factory=list, repr=False)

    @property
    def matches_per_second(self) -> float:
        return self.matches / self.seconds if self.seconds else 0.0


class _Player:
    __slots__ = ("draws", "elo", "last", "losses", "peak", "wins")

    def __init__(self):
        self.elo = self.peak = START_ELO
        self.wins = self.losses = self.draws = 0
        self.last = None

    def row(self) -> tuple:
        return (
            self.elo,
            self.peak,
            tier_for(self.elo),
            self.wins,
            self.losses,
            self.draws,
            win_rate(self.wins, self.losses, self.draws),
            self.last,
        )


def _replay(report: BackfillReport, batch_size: int, progress) -> dict[uuid.UUID, _Player]:
    players: dict[uuid.UUID, _Player] = {}
    pending: list[tuple] = []
    rows = (
        MatchResult.objects.order_by("played_at", "id")
        .values_list(
            "id",
            "player1_id",
            "player2_id",
            "winner_id",
            "played_at",
            "player1_pre_elo",
            "player1_post_elo",
            "player2_pre_elo",
            "player2_post_elo",
            "elo_delta_p1",
        )
        .iterator(chunk_size=batch_size)
    )
    table = MatchResult._meta.db_table
    for pk, p1, p2, winner, played_at, *stored in rows:
        a = players.get(p1) or players.setdefault(p1, _Player())
        b = players.get(p2) or players.setdefault(p2, _Player())
        score = 0.5 if winner is None else (1.0 if winner == p1 else 0.0)
        delta = elo_delta(a.elo, b.elo, score)
        new = (a.elo, a.elo + delta, b.elo, b.elo - delta, delta)
        a.elo, b.elo = new[1], new[3]
        a.peak, b.peak = max(a.peak, a.elo), max(b.peak, b.elo)
        if winner is None:
            a.draws += 1
            b.draws += 1
        elif winner == p1:
            a.wins += 1
            b.losses += 1
        else:
            b.wins += 1
            a.losses += 1
        a.last = played_at if a.last is None or played_at > a.last else a.last
        b.last = played_at if b.last is None or played_at > b.last else b.last
        report.matches += 1
        if tuple(stored) != new:
            pending.append((pk, *new))
            if len(pending) >= batch_size:
                update_from_rows(table, "id", "bigint", MATCH_COLUMNS, pending)
                report.matches_changed += len(pending)
                pending = []
        if progress is not None:
            progress.update(1)
    update_from_rows(table, "id", "bigint", MATCH_COLUMNS, pending)
    report.matches_changed += len(pending)
    return players


def _write_ratings(players: dict[uuid.UUID, _Player], report: BackfillReport, batch: int) -> None:
    existing = {
        uid: tuple(rest)
        for uid, *rest in PlayerRating.objects.values_list(
            "user_id", *(c for c, _ in RATING_COLUMNS)
        ).iterator(chunk_size=batch)
    }
    changed, created = [], []
    for uid, player in players.items():
        row = player.row()
        old = existing.pop(uid, None)
        if old is None:
            created.append((uid, row))
        elif old != row:
            changed.append((uid, *row))
    table = PlayerRating._meta.db_table
    for i in range(0, len(changed), batch):
        update_from_rows(
            table,
            "user_id",
            "uuid",
            RATING_COLUMNS,
            changed[i : i + batch],
            extra="revision = revision + 1",
        )
    _create_ratings(created, batch)
    stale = list(existing)
    with connection.cursor() as cursor:
        for i in range(0, len(stale), batch):
            chunk = stale[i : i + batch]
            marks = ", ".join(["%s"] * len(chunk))
            values = chunk if is_postgres() else [u.hex for u in chunk]
            cursor.execute(f"DELETE FROM {table} WHERE user_id IN ({marks})", values)  # noqa: S608
    report.ratings_changed = len(changed)
    report.ratings_created = len(created)
    report.ratings_removed = len(stale)
    report.changed_users = [row[0] for row in changed] + [u for u, _ in created] + stale


def _create_ratings(created: list[tuple], batch: int) -> None:
    now = timezone.now()
    users = get_user_model().objects
    columns = [
        "user_id",
        *(c for c, _ in RATING_COLUMNS),
        "country",
        "listed",
        "revision",
        "created_at",
        "updated_at",
    ]
    for i in range(0, len(created), batch):
        chunk = created[i : i + batch]
        ids = [uid for uid, _ in chunk]
        countries = profile_countries(ids)
        active = dict(users.filter(pk__in=ids).values_list("pk", "is_active"))
        copy_rows(
            PlayerRating._meta.db_table,
            columns,
            [
                (uid, *row, countries.get(uid, ""), active.get(uid, True), 1, now, now)
                for uid, row in chunk
            ],
        )


def backfill_elo(
    *,
    csv_report: CsvReport | None = None,
    dry_run: bool = False,
    batch_size: int = 50_000,
    progress_factory=None,
    rebuild_progress=None,
) -> BackfillReport:
    """Import ``csv_report.valid`` (if given), replay every match, rewrite ratings; then (not in
    a dry run) rebuild the leaderboards. ``progress_factory(total)`` returns a progress bar."""
    report = BackfillReport(dry_run=dry_run)
    started = time.monotonic()
    with transaction.atomic():
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {PlayerRating._meta.db_table}, {MatchResult._meta.db_table} "
                    "IN SHARE ROW EXCLUSIVE MODE"
                )
        if csv_report is not None and csv_report.valid:
            report.imported = import_matches(csv_report.valid)
        total = MatchResult.objects.count()
        bar = progress_factory(total) if progress_factory else None
        try:
            players = _replay(report, batch_size, bar)
        finally:
            if bar is not None:
                bar.close()
        _write_ratings(players, report, batch_size)
        recount_board_sizes()
        if dry_run:
            transaction.set_rollback(True)
        else:
            keys = [k for u in report.changed_users for k in rating_cache_keys(u)]
            for i in range(0, len(keys), 1000):
                invalidate(*keys[i : i + 1000])
    report.seconds = time.monotonic() - started
    if not dry_run:
        rebuild_leaderboards(progress=rebuild_progress)
    return report
