"""Composed ranking reads: each answers from the Redis sets when they are configured and built,
and from SQL otherwise (not configured, failing, or not built yet) — same ranks, same shape."""

import logging
import uuid

import redis
from django.utils.dateparse import parse_datetime

from core.cache import get_or_set_json
from ranking import leaderboard, selectors
from ranking.cache import rating_key, stats_key, ttl
from ranking.errors import ProfileNotFound, ProfilePrivate, UserNotRanked

logger = logging.getLogger(__name__)

AROUND_RADIUS = 5


def _via_redis(redis_read, sql_read):
    client = leaderboard.client_or_none()
    if client is not None:
        try:
            return redis_read(client)
        except leaderboard.NotBuilt:
            from ranking.tasks import schedule_rebuild

            schedule_rebuild()
        except redis.RedisError:
            logger.warning("Leaderboard read from Redis failed; answering from SQL", exc_info=True)
    return sql_read()


def _entries(rows: list[tuple[int, uuid.UUID, int]]) -> list[dict]:
    cards = selectors.entry_rows([uid for _, uid, _ in rows])
    entries = []
    for rank, uid, _elo in rows:
        card = cards.get(uid)
        if card is None:  # deleted between the index read and this one
            continue
        public = card["user__profile__is_public"] is not False
        entries.append(
            {
                "rank": rank,
                "user_id": str(uid),
                "display_name": card["user__profile__display_name"] or "",
                "avatar_url": (card["user__profile__avatar_url"] or None) if public else None,
                "is_public": public,
                "country": card["country"] or None,
                "elo": card["current_elo"],
                "tier": card["tier"],
                "wins": card["wins"],
                "losses": card["losses"],
                "draws": card["draws"],
                "win_rate": card["win_rate"],
            }
        )
    return entries


def leaderboard_page(*, country: str | None, offset: int, limit: int) -> dict:
    def from_redis(client):
        return leaderboard.page(client, country, offset, limit)

    def from_sql():
        size = selectors.board_size(country)
        return size, (selectors.sql_page(country, offset, limit) if limit else [])

    size, rows = _via_redis(from_redis, from_sql)
    return {
        "entries": _entries(rows),
        "total_players": size,
        "page": offset // limit + 1 if limit else 1,
        "page_size": limit,
    }


def _sql_around(user_id):
    listed = selectors.listed_rating(user_id)
    if listed is None:
        return None, 0, []
    rank, rows = selectors.sql_around(user_id, listed[0], AROUND_RADIUS)
    return rank, selectors.board_size(), rows


def user_rank(*, user_id) -> dict:
    """The caller's global rank with up to five players above and five below."""

    def from_redis(client):
        rank, size, rows = leaderboard.around(client, None, user_id, AROUND_RADIUS)
        # Not in the set yet (an update still in flight): SQL is the source of truth.
        return (rank, size, rows) if rank is not None else _sql_around(user_id)

    rank, size, rows = _via_redis(from_redis, lambda: _sql_around(user_id))
    if rank is None:
        raise UserNotRanked()
    me = uuid.UUID(str(user_id))
    entries = _entries(rows)
    mine = next((e for e in entries if e["user_id"] == str(me)), None)
    if mine is None:
        raise UserNotRanked()
    return {
        "user_id": str(me),
        "rank": rank,
        "elo": mine["elo"],
        "tier": mine["tier"],
        "total_players": size,
        "percentile": round(100.0 * (size - rank + 1) / size, 2) if size else 0.0,
        "nearby": [e for e in entries if e["user_id"] != str(me)],
    }


def _global_rank(user_id, elo: int) -> int | None:
    def from_redis(client):
        rank, _size = leaderboard.rank_of(client, user_id)
        return rank if rank is not None else selectors.sql_rank(user_id, elo)

    return _via_redis(from_redis, lambda: selectors.sql_rank(user_id, elo))


def _cached_rating(user_id) -> dict:
    fields = get_or_set_json(rating_key(user_id), lambda: selectors.rating_fields(user_id), ttl())
    if fields is None:
        raise UserNotRanked()
    return fields


def rating_detail(*, user_id) -> dict:
    fields = _cached_rating(user_id)
    rank = _global_rank(user_id, fields["current_elo"]) if fields["listed"] else None
    out = {k: v for k, v in fields.items() if k != "listed"}
    out["last_match_date"] = _as_datetime(out["last_match_date"])
    out["rank"] = rank
    return out


def _as_datetime(value):
    return parse_datetime(value) if isinstance(value, str) else value


def _match_dict(m) -> dict:
    return {
        "match_id": str(m.match_id),
        "player1_id": str(m.player1_id),
        "player2_id": str(m.player2_id),
        "winner_id": str(m.winner_id) if m.winner_id else None,
        "is_draw": m.is_draw,
        "player1_score": m.player1_score,
        "player2_score": m.player2_score,
        "duration_seconds": m.duration_seconds,
        "player1_elo_before": m.player1_elo_before,
        "player1_elo_after": m.player1_elo_after,
        "player2_elo_before": m.player2_elo_before,
        "player2_elo_after": m.player2_elo_after,
        "elo_delta": m.elo_delta,
        "played_at": m.played_at,
    }


def _stats_payload(user_id) -> dict | None:
    fields = selectors.rating_fields(user_id)
    if fields is None:
        return None
    return {
        "user_id": fields["user_id"],
        "matches_played": fields["matches_played"],
        "wins": fields["wins"],
        "losses": fields["losses"],
        "draws": fields["draws"],
        "win_rate": fields["win_rate"],
        "current_elo": fields["current_elo"],
        "peak_elo": fields["peak_elo"],
        "tier": fields["tier"],
        "recent_matches": [_match_dict(m) for m in selectors.recent_matches(user_id)],
    }


def player_stats(*, user_id, viewer) -> dict:
    """Stats of a player; a private profile only to its owner and staff."""
    public = selectors.profile_visibility(user_id)
    if public is None:
        raise ProfileNotFound()
    is_owner = viewer is not None and viewer.is_authenticated and str(viewer.pk) == str(user_id)
    is_staff = viewer is not None and viewer.is_authenticated and viewer.is_staff
    if not public and not (is_owner or is_staff):
        raise ProfilePrivate()
    stats = get_or_set_json(stats_key(user_id), lambda: _stats_payload(user_id), ttl())
    if stats is None:
        raise UserNotRanked()
    for match in stats["recent_matches"]:
        match["played_at"] = _as_datetime(match["played_at"])
    return stats
