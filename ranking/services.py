"""Write side of ranking: applying a match to both ratings, and keeping the copies of profile
country / account state on the rating rows. Leaderboard sets and caches follow after commit."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

import events
from core.bulk import rows_insert_ignoring_conflicts, rows_update
from core.cache import invalidate
from core.errors import ValidationFailed
from ranking import leaderboard
from ranking.cache import rating_cache_keys
from ranking.elo import elo_delta, score_for, tier_for, win_rate
from ranking.models import BoardSize, MatchResult, PlayerRating
from ranking.selectors import profile_countries


@dataclass(frozen=True)
class PlayerChange:
    user_id: uuid.UUID
    old_elo: int
    new_elo: int
    delta: int
    old_tier: str
    new_tier: str

    @property
    def tier_changed(self) -> bool:
        return self.old_tier != self.new_tier


@dataclass(frozen=True)
class RatingUpdate:
    match_id: uuid.UUID
    winner_id: uuid.UUID | None
    is_draw: bool
    player1: PlayerChange
    player2: PlayerChange
    replayed: bool  # True: the match id had been applied before; nothing changed now


def _as_uuid(value, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationFailed(details={field: ["Must be a UUID."]})


def _change(user_id, before: int, after: int) -> PlayerChange:
    return PlayerChange(user_id, before, after, after - before, tier_for(before), tier_for(after))


def _from_stored(result: MatchResult) -> RatingUpdate:
    return RatingUpdate(
        match_id=result.match_id,
        winner_id=result.winner_id,
        is_draw=result.is_draw,
        player1=_change(result.player1_id, result.player1_pre_elo, result.player1_post_elo),
        player2=_change(result.player2_id, result.player2_pre_elo, result.player2_post_elo),
        replayed=True,
    )


def index_entry(rating: PlayerRating) -> leaderboard.IndexEntry:
    return leaderboard.IndexEntry(
        rating.user_id, rating.current_elo, rating.revision, rating.country, rating.listed
    )


def _after_commit(ratings: list[PlayerRating]) -> None:
    entries = [index_entry(r) for r in ratings]
    transaction.on_commit(lambda: leaderboard.apply(entries))
    invalidate(*(k for r in ratings for k in rating_cache_keys(r.user_id)))


def _insert_ratings(ratings: list[PlayerRating]) -> set[uuid.UUID]:
    """One ``INSERT … ON CONFLICT DO NOTHING`` of new rating rows, in user-id order; the ids
    this call created (a concurrent insert of the same row is waited for, then skipped)."""
    rows = rows_insert_ignoring_conflicts(sorted(ratings, key=lambda r: r.user_id), ["user"])
    return {user_id for (user_id,) in rows}


def _adjust_board_sizes(changes: dict[str, int]) -> None:
    """Add to board sizes (rows locked in key order, after the rating rows). A growing board
    is one upsert; a shrinking one must exist (its count never goes below zero)."""
    table = connection.ops.quote_name(BoardSize._meta.db_table)
    for board in sorted(b for b, n in changes.items() if n):
        if changes[board] > 0:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (board, players) VALUES (%s, %s) "  # noqa: S608
                    f"ON CONFLICT (board) DO UPDATE SET players = {table}.players + "
                    "EXCLUDED.players",
                    [board, changes[board]],
                )
            continue
        BoardSize.objects.get_or_create(board=board)
        BoardSize.objects.filter(board=board).update(players=F("players") + changes[board])


def _board_counts(ratings: list[PlayerRating], sign: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in ratings:
        for board in ("global", r.country):
            if board:
                counts[board] = counts.get(board, 0) + sign
    return counts


def _lock_or_create(user_ids) -> tuple[dict[uuid.UUID, PlayerRating], set, list]:
    """Lock the players' rating rows, creating missing ones at the start ELO. Returns the locked
    rows, the ids whose rows this call created, and the ids of unknown users (then nothing was
    created or locked). Missing rows are created first, in one ``INSERT … ON CONFLICT DO
    NOTHING`` in user-id order, then every row is locked in one ``SELECT … ORDER BY user_id FOR
    UPDATE``: an INSERT only waits for a concurrent insert of the same new row, by a
    transaction still in its own insert (which runs in the same order), and the ordered lock
    only for transactions that lock in that order too, so no wait cycle can form."""
    ids = sorted(set(user_ids))
    existing = set(PlayerRating.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    missing = [uid for uid in ids if uid not in existing]
    created: set[uuid.UUID] = set()
    if missing:
        users = {
            uid: (is_active, (country or "").upper())
            for uid, is_active, country in get_user_model()
            .objects.filter(pk__in=missing)
            .values_list("pk", "is_active", "profile__country")
        }
        unknown = [uid for uid in missing if uid not in users]
        if unknown:
            return {}, set(), unknown
        created = _insert_ratings(
            [PlayerRating(user_id=u, country=users[u][1], listed=users[u][0]) for u in missing]
        )
    qs = PlayerRating.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")
    return {rating.user_id: rating for rating in qs}, created, []


@dataclass(frozen=True)
class MatchToRate:
    """One match for ``ratings_apply`` (ids checked: two different users, winner one or None)."""

    match_id: uuid.UUID
    player1_id: uuid.UUID
    player2_id: uuid.UUID
    winner_id: uuid.UUID | None
    played_at: datetime
    duration_seconds: int | None = None
    player1_score: int = 0
    player2_score: int = 0


def ratings_apply(matches: list[MatchToRate]) -> list[RatingUpdate]:
    """Apply matches to their players' ratings in the caller's transaction, in list order (a
    player's second match starts from the ELO their first one left), each match id once: every
    player's row is locked once, in one ordered statement, then the results are written with
    one INSERT and the ratings with one UPDATE. Returns one update per match (``replayed`` for
    a match id applied before). ``ranking.tier_changed`` events go to the outbox in the same
    transaction; leaderboards and caches follow after commit."""
    if not matches:
        return []
    with transaction.atomic(savepoint=False):
        locked, created, unknown = _lock_or_create(
            [p for m in matches for p in (m.player1_id, m.player2_id)]
        )
        if not unknown:
            return _apply_locked(matches, locked, created)
    # raised outside the block: nothing was written, the caller's transaction stays usable
    raise ValidationFailed("Unknown player.", details={"players": [f"No user {unknown[0]}."]})


def _apply_locked(matches: list[MatchToRate], locked, created) -> list[RatingUpdate]:
    stored = MatchResult.objects.in_bulk([m.match_id for m in matches], field_name="match_id")
    updates, results, touched, now = [], [], {}, timezone.now()
    for match in matches:
        if match.match_id in stored:
            updates.append(_from_stored(stored[match.match_id]))
            continue
        result, update = _rate(locked, match, now)
        stored[match.match_id] = result
        results.append(result)
        updates.append(update)
        touched.update({match.player1_id: True, match.player2_id: True})
    if not results:
        return updates
    # the unique match id is the guard; the rows were looked up under the players' locks
    if len(rows_insert_ignoring_conflicts(results, ["match_id"])) != len(results):
        raise IntegrityError("A match result of this batch exists already.")
    changed = [locked[u] for u in sorted(touched)]
    _update_ratings_rows(changed)
    if created:
        _adjust_board_sizes(_board_counts([locked[u] for u in created if locked[u].listed], +1))
    _publish_tier_changes(updates)
    _after_commit(changed)
    return updates


def _update_ratings_rows(ratings: list[PlayerRating]) -> None:
    """One ``UPDATE … FROM (VALUES …)`` of the match fields of locked rating rows (Django's
    ``bulk_update`` builds a CASE per field and row, which costs more Python than the match)."""
    rows_update(ratings, _MATCH_FIELDS)


def _rate(locked, match: MatchToRate, now) -> tuple[MatchResult, RatingUpdate]:
    p1, p2, winner = match.player1_id, match.player2_id, match.winner_id
    r1, r2 = locked[p1], locked[p2]
    delta = elo_delta(r1.current_elo, r2.current_elo, score_for(p1, winner))
    changes = []
    for rating, d in ((r1, delta), (r2, -delta)):
        before = rating.current_elo
        rating.current_elo = before + d
        rating.peak_elo = max(rating.peak_elo, rating.current_elo)
        rating.current_tier = tier_for(rating.current_elo)
        if winner is None:
            rating.draws += 1
        elif winner == rating.user_id:
            rating.wins += 1
        else:
            rating.losses += 1
        rating.win_rate = win_rate(rating.wins, rating.losses, rating.draws)
        if rating.last_match_date is None or match.played_at > rating.last_match_date:
            rating.last_match_date = match.played_at
        rating.revision += 1
        rating.updated_at = now
        changes.append(_change(rating.user_id, before, rating.current_elo))
    result = MatchResult(
        match_id=match.match_id,
        player1_id=p1,
        player2_id=p2,
        winner_id=winner,
        is_draw=winner is None,
        player1_score=match.player1_score or 0,
        player2_score=match.player2_score or 0,
        duration_seconds=match.duration_seconds,
        player1_pre_elo=changes[0].old_elo,
        player1_post_elo=changes[0].new_elo,
        player2_pre_elo=changes[1].old_elo,
        player2_post_elo=changes[1].new_elo,
        elo_delta_p1=delta,
        played_at=match.played_at,
    )
    update = RatingUpdate(match.match_id, winner, winner is None, *changes, replayed=False)
    return result, update


def _publish_tier_changes(updates: list[RatingUpdate]) -> None:
    """``ranking.tier_changed`` for each tier change, all in one outbox INSERT."""
    events.publish_many(
        [
            (
                "ranking.tier_changed",
                {
                    "user_id": str(change.user_id),
                    "old_tier": change.old_tier,
                    "new_tier": change.new_tier,
                    "elo": change.new_elo,
                },
            )
            for update in updates
            if not update.replayed
            for change in (update.player1, update.player2)
            if change.tier_changed
        ]
    )


def rating_update(
    *,
    match_id,
    player1_id,
    player2_id,
    winner_id=None,
    played_at: datetime | None = None,
    duration_seconds: int | None = None,
    player1_score: int = 0,
    player2_score: int = 0,
) -> RatingUpdate:
    """Apply one match to both players' ratings, once per ``match_id``.

    Callable inside a larger transaction (it then takes no savepoint: a database failure rolls
    the caller back; refused input changes nothing and leaves the caller's transaction usable).
    ``ratings_apply`` of one match: both rating rows locked in one ordered statement, so matches
    sharing players never deadlock. A replayed match id returns the stored result and changes
    nothing. Publishes
    ``ranking.tier_changed`` for each tier change in the same transaction; leaderboards and
    caches follow after commit.
    """
    match_id = _as_uuid(match_id, "match_id")
    p1, p2 = _as_uuid(player1_id, "player1_id"), _as_uuid(player2_id, "player2_id")
    winner = None if winner_id in (None, "") else _as_uuid(winner_id, "winner_id")
    if p1 == p2:
        raise ValidationFailed(details={"player2_id": ["Players must differ."]})
    if winner is not None and winner not in (p1, p2):
        raise ValidationFailed(details={"winner_id": ["The winner must be one of the players."]})
    if duration_seconds is not None and duration_seconds < 0:
        raise ValidationFailed(details={"duration_seconds": ["Must not be negative."]})

    match = MatchToRate(
        match_id=match_id,
        player1_id=p1,
        player2_id=p2,
        winner_id=winner,
        played_at=played_at or timezone.now(),
        duration_seconds=duration_seconds,
        player1_score=player1_score,
        player2_score=player2_score,
    )
    return ratings_apply([match])[0]


_MATCH_FIELDS = [
    "current_elo",
    "peak_elo",
    "current_tier",
    "wins",
    "losses",
    "draws",
    "win_rate",
    "last_match_date",
    "revision",
    "updated_at",
]


@transaction.atomic
def rating_country_sync(*, user_id) -> None:
    """Copy the profile's country onto the rating (moving the player between country boards)."""
    rating = PlayerRating.objects.select_for_update().filter(user_id=user_id).first()
    if rating is None:
        return
    country = profile_countries([rating.user_id]).get(rating.user_id, "")
    if country == rating.country:
        return
    if rating.listed:
        sizes = _board_counts([rating], -1)
        for board, n in _board_counts([PlayerRating(country=country)], +1).items():
            sizes[board] = sizes.get(board, 0) + n
        _adjust_board_sizes(sizes)
    rating.country = country
    rating.revision += 1
    rating.save(update_fields=["country", "revision", "updated_at"])
    _after_commit([rating])


@transaction.atomic
def rating_listed_set(*, user_id, listed: bool) -> None:
    """Take a deactivated player off every board, or put a reactivated one back (the rating
    itself is kept meanwhile); board sizes, the Redis sets and the caches follow."""
    rating = PlayerRating.objects.select_for_update().filter(user_id=user_id).first()
    if rating is None or rating.listed == listed:
        return
    _adjust_board_sizes(_board_counts([rating], +1 if listed else -1))
    rating.listed = listed
    rating.revision += 1
    rating.save(update_fields=["listed", "revision", "updated_at"])
    _after_commit([rating])


def rating_deleted(*, rating: PlayerRating) -> None:
    """A rating row was deleted (its user was): fix the board sizes, drop it from Redis."""
    if rating.listed:
        _adjust_board_sizes(_board_counts([rating], -1))
    user_id = rating.user_id
    transaction.on_commit(lambda: leaderboard.remove_deleted(user_id))
    invalidate(*rating_cache_keys(user_id))
