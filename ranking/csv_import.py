"""Validation and import of historical matches from CSV (``backfill_elo --from-csv``).

Columns (header row required): ``match_id, player1, player2, winner, played_at,
duration_seconds`` and optionally ``player1_score, player2_score``. Players and the winner are
given by email or user id; an empty winner (or ``draw``) is a draw. ``played_at`` is ISO 8601
(no offset means UTC). Every row is checked before anything is written.
"""

import csv
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from events.schemas import INT32_MAX, MATCH_SECONDS_MAX
from ranking.bulk import copy_rows
from ranking.models import START_ELO, MatchResult

REQUIRED = ("match_id", "player1", "player2", "winner", "played_at", "duration_seconds")
OPTIONAL = ("player1_score", "player2_score")
LOOKUP_CHUNK = 5000


@dataclass
class CsvMatch:
    line: int
    match_id: uuid.UUID
    player1_id: uuid.UUID
    player2_id: uuid.UUID
    winner_id: uuid.UUID | None
    played_at: datetime
    duration_seconds: int | None
    player1_score: int
    player2_score: int


@dataclass
class CsvReport:
    rows: int = 0
    valid: list[CsvMatch] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    already_recorded: int = 0


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _resolve_users(refs: set[str]) -> dict[str, uuid.UUID]:
    """Map each email (lower-cased) or id string to an existing user id."""
    users = get_user_model().objects
    ids = {r for r in refs if _parse_uuid(r)}
    emails = sorted({r.lower() for r in refs - ids})
    found: dict[str, uuid.UUID] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), LOOKUP_CHUNK):
        chunk = id_list[i : i + LOOKUP_CHUNK]
        for pk in users.filter(pk__in=chunk).values_list("pk", flat=True):
            found[str(pk)] = pk
    for i in range(0, len(emails), LOOKUP_CHUNK):
        for pk, email in users.filter(email__in=emails[i : i + LOOKUP_CHUNK]).values_list(
            "pk", "email"
        ):
            found[email] = pk
    return found


def _key(ref: str) -> str:
    parsed = _parse_uuid(ref)
    return str(parsed) if parsed else ref.lower()


def _int(value: str, name: str, errors: list[str], maximum: int) -> int | None:
    """A whole number in 0..maximum (API.md's match bounds), None when empty."""
    if value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        errors.append(f"{name} must be an integer")
        return None
    if not 0 <= number <= maximum:
        errors.append(f"{name} must be between 0 and {maximum}")
    return number


def read_csv(path: str) -> CsvReport:
    report = CsvReport()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            report.errors.append((1, f"missing columns: {', '.join(missing)}"))
            return report
        reader.fieldnames = header
        raw = []
        for row in reader:
            clean = {k: (row.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
            raw.append((reader.line_num, clean))
    report.rows = len(raw)
    refs = {r[c] for _, r in raw for c in ("player1", "player2", "winner") if r[c]}
    refs.discard("draw")
    users = _resolve_users(refs)
    seen: dict[uuid.UUID, int] = {}
    for line, row in raw:
        problems: list[str] = []
        match_id = _parse_uuid(row["match_id"])
        if match_id is None:
            problems.append("match_id must be a UUID")
        elif match_id in seen:
            problems.append(f"match_id repeats line {seen[match_id]}")
        else:
            seen[match_id] = line
        p1 = users.get(_key(row["player1"])) if row["player1"] else None
        p2 = users.get(_key(row["player2"])) if row["player2"] else None
        if p1 is None:
            problems.append(f"player1 {row['player1']!r} is not a known user")
        if p2 is None:
            problems.append(f"player2 {row['player2']!r} is not a known user")
        if p1 is not None and p1 == p2:
            problems.append("player1 and player2 must differ")
        winner = None
        if row["winner"] and row["winner"].lower() != "draw":
            winner = users.get(_key(row["winner"]))
            if winner is None or winner not in (p1, p2):
                problems.append(f"winner {row['winner']!r} is not one of the players")
        played_at = None
        try:
            played_at = parse_datetime(row["played_at"])
        except ValueError:
            played_at = None
        if played_at is None:
            problems.append("played_at must be an ISO 8601 date-time")
        elif timezone.is_naive(played_at):
            played_at = played_at.replace(tzinfo=UTC)
        duration = _int(row["duration_seconds"], "duration_seconds", problems, MATCH_SECONDS_MAX)
        s1 = _int(row["player1_score"], "player1_score", problems, INT32_MAX)
        s2 = _int(row["player2_score"], "player2_score", problems, INT32_MAX)
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        report.valid.append(
            CsvMatch(line, match_id, p1, p2, winner, played_at, duration, s1 or 0, s2 or 0)
        )
    _check_recorded(report)
    return report


def _same(stored: tuple, m: CsvMatch) -> bool:
    return stored == (m.player1_id, m.player2_id, m.winner_id, m.played_at)


def _check_recorded(report: CsvReport) -> None:
    """Rows already recorded identically are skipped (re-running an import is harmless);
    a recorded match id with other data is an error."""
    by_id = {m.match_id: m for m in report.valid}
    ids = list(by_id)
    recorded: dict[uuid.UUID, tuple] = {}
    for i in range(0, len(ids), LOOKUP_CHUNK):
        for mid, *rest in MatchResult.objects.filter(
            match_id__in=ids[i : i + LOOKUP_CHUNK]
        ).values_list("match_id", "player1_id", "player2_id", "winner_id", "played_at"):
            recorded[mid] = tuple(rest)
    keep = []
    for m in report.valid:
        if m.match_id not in recorded:
            keep.append(m)
        elif _same(recorded[m.match_id], m):
            report.already_recorded += 1
        else:
            report.errors.append(
                (m.line, "match_id already recorded with different players, winner or date")
            )
    report.errors.sort()
    report.valid = keep


MATCH_RESULT_COLUMNS = (
    "match_id",
    "player1_id",
    "player2_id",
    "winner_id",
    "is_draw",
    "player1_score",
    "player2_score",
    "duration_seconds",
    "player1_pre_elo",
    "player1_post_elo",
    "player2_pre_elo",
    "player2_post_elo",
    "elo_delta_p1",
    "played_at",
)
COLUMNS = (*MATCH_RESULT_COLUMNS, "created_at")


def import_matches(matches: list[CsvMatch]) -> int:
    """Insert matches with placeholder ELO columns (the replay that follows rewrites them)."""
    now = timezone.now()
    copy_rows(
        MatchResult._meta.db_table,
        COLUMNS,
        (
            (
                m.match_id,
                m.player1_id,
                m.player2_id,
                m.winner_id,
                m.winner_id is None,
                m.player1_score,
                m.player2_score,
                m.duration_seconds,
                START_ELO,
                START_ELO,
                START_ELO,
                START_ELO,
                0,
                m.played_at,
                now,
            )
            for m in sorted(matches, key=lambda m: m.line)
        ),
    )
    return len(matches)
