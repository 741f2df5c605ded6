"""Write side of ranking: applying a match to both ratings, and keeping the copies of profile
country / account state on the rating rows. Leaderboard sets and caches follow after commit."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

import events
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


def _insert_rating(rating: PlayerRating) -> bool:
    """INSERT the new rating row unless one exists (a concurrent insert is waited for);
    True when this call created it."""
    fields = list(PlayerRating._meta.concrete_fields)
    values = [f.get_db_prep_save(f.pre_save(rating, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(PlayerRating._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING 1",
            values,
        )
        return cursor.fetchone() is not None


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


def _lock_or_create(user_ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, PlayerRating], list, list]:
    """Lock the players' rating rows in user-id order (one statement), creating missing ones at
    the start ELO. Returns the locked rows, the ids whose rows this call created, and the ids
    of unknown users (then nothing was created). A missing row is created after the existing
    ones were locked: an INSERT only waits for a concurrent insert of the same new row, whose
    transaction locked its existing rows before inserting too, so no wait cycle can form."""
    ids = sorted(user_ids)
    qs = PlayerRating.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")
    locked = {rating.user_id: rating for rating in qs}
    missing = [uid for uid in ids if uid not in locked]
    if not missing:
        return locked, [], []
    users = {
        uid: (is_active, (country or "").upper())
        for uid, is_active, country in get_user_model()
        .objects.filter(pk__in=missing)
        .values_list("pk", "is_active", "profile__country")
    }
    unknown = [uid for uid in missing if uid not in users]
    if unknown:
        return locked, [], unknown
    created_ids = []
    for uid in missing:
        listed, country = users[uid]
        if _insert_rating(PlayerRating(user_id=uid, country=country, listed=listed)):
            created_ids.append(uid)
        locked[uid] = PlayerRating.objects.select_for_update().get(user_id=uid)
    return locked, created_ids, []


def update_ratings(
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
    Locks both rating rows in user-id order, so matches sharing players never deadlock. A
    replayed match id returns the stored result and changes nothing. Publishes
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

    with transaction.atomic(savepoint=False):
        locked, new_rows, unknown = _lock_or_create([p1, p2])
        if not unknown:
            return _apply(
                locked=locked,
                new_rows=new_rows,
                match_id=match_id,
                p1=p1,
                p2=p2,
                winner=winner,
                played_at=played_at or timezone.now(),
                duration_seconds=duration_seconds,
                player1_score=player1_score,
                player2_score=player2_score,
            )
    raise ValidationFailed("Unknown player.", details={"players": [f"No user {unknown[0]}."]})


def _apply(
    *, locked, new_rows, match_id, p1, p2, winner, played_at, duration_seconds, **scores
) -> RatingUpdate:
    # Under the locks: a concurrent call with the same match id has committed by now.
    stored = MatchResult.objects.filter(match_id=match_id).first()
    if stored is not None:
        return _from_stored(stored)

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
        if rating.last_match_date is None or played_at > rating.last_match_date:
            rating.last_match_date = played_at
        rating.revision += 1
        rating.save(update_fields=_MATCH_FIELDS)
        changes.append(_change(rating.user_id, before, rating.current_elo))

    MatchResult.objects.create(
        match_id=match_id,
        player1_id=p1,
        player2_id=p2,
        winner_id=winner,
        is_draw=winner is None,
        player1_score=scores["player1_score"] or 0,
        player2_score=scores["player2_score"] or 0,
        duration_seconds=duration_seconds,
        player1_pre_elo=changes[0].old_elo,
        player1_post_elo=changes[0].new_elo,
        player2_pre_elo=changes[1].old_elo,
        player2_post_elo=changes[1].new_elo,
        elo_delta_p1=delta,
        played_at=played_at,
    )
    if new_rows:
        _adjust_board_sizes(_board_counts([locked[u] for u in new_rows if locked[u].listed], +1))
    for change in changes:
        if change.tier_changed:
            events.publish(
                "ranking.tier_changed",
                {
                    "user_id": str(change.user_id),
                    "old_tier": change.old_tier,
                    "new_tier": change.new_tier,
                    "elo": change.new_elo,
                },
            )
    _after_commit([r1, r2])
    return RatingUpdate(match_id, winner, winner is None, changes[0], changes[1], replayed=False)


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
