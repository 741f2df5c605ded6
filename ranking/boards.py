"""Composed ranking reads: each answers from the Redis sets when they are configured and built,
and from SQL otherwise (not configured, failing, or not built yet) — same ranks, same shape.

Privacy (API.md): on boards a private player shows rank, user id, display name, ELO and tier
only; ``ratings/{id}`` and ``stats/{id}`` of a private player are for the owner and staff. A
deactivated player is off the boards (``listed`` false) and has no rating or stats to show."""

import logging
import uuid

import redis
from django.utils.dateparse import parse_datetime

from core.cache import get_or_set_json
from profiles.errors import ProfileNotFound
from ranking import leaderboard, selectors
from ranking.cache import rating_key, stats_key, ttl
from ranking.errors import UserNotRanked

logger = logging.getLogger(__name__)

AROUND_RADIUS = 5
# Hidden on boards for a private player (null): avatar, country and the win/loss record.
PRIVATE_ENTRY_FIELDS = ("avatar_url", "country", "wins", "losses", "draws", "win_rate")


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
        if card is None or not card["listed"]:  # deleted or deactivated since the index read
            continue
        public = card["user__profile__is_public"] is not False
        entry = {
            "rank": rank,
            "user_id": str(uid),
            "display_name": card["user__profile__display_name"] or "",
            "avatar_url": card["user__profile__avatar_url"] or None,
            "is_public": public,
            "country": card["country"] or None,
            "elo": card["current_elo"],
            "tier": card["current_tier"],
            "wins": card["wins"],
            "losses": card["losses"],
            "draws": card["draws"],
            "win_rate": card["win_rate"],
        }
        if not public:
            entry.update(dict.fromkeys(PRIVATE_ENTRY_FIELDS))
        entries.append(entry)
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


def _sql_position(user_id, radius: int) -> leaderboard.Position:
    listed = selectors.listed_rating(user_id)
    if listed is None:
        return leaderboard.Position(None, selectors.board_size())
    return selectors.sql_position(user_id, listed[0], radius)


def _position(user_id, radius: int) -> leaderboard.Position:
    """The player's place on the global board with ``radius`` players each side."""

    def from_redis(client):
        pos = leaderboard.position(client, None, user_id, radius)
        # Not in the set yet (an update still in flight): SQL is the source of truth.
        return pos if pos.rank is not None else _sql_position(user_id, radius)

    return _via_redis(from_redis, lambda: _sql_position(user_id, radius))


def _cached_rating(user_id) -> dict:
    """The rating's fields; a player without one, or off the boards (deactivated), has none."""
    fields = get_or_set_json(rating_key(user_id), lambda: selectors.rating_fields(user_id), ttl())
    if fields is None or not fields["listed"]:
        raise UserNotRanked()
    return fields


def _rating_body(fields: dict, card: dict, pos: leaderboard.Position) -> dict:
    """``PlayerRating`` of API.md, plus the record and the global rank."""
    return {
        "user_id": fields["user_id"],
        "display_name": card["display_name"],
        "avatar_url": card["avatar_url"],
        "current_elo": fields["current_elo"],
        "peak_elo": fields["peak_elo"],
        "current_tier": fields["current_tier"],
        "tier_rank": pos.tier_rank,
        "win_rate": fields["win_rate"],
        "last_match_date": _as_datetime(fields["last_match_date"]),
        "wins": fields["wins"],
        "losses": fields["losses"],
        "draws": fields["draws"],
        "matches_played": fields["matches_played"],
        "rank": pos.rank,
    }


def _card_or_unranked(user_id, viewer) -> dict:
    try:
        return selectors.profile_card(user_id=user_id, viewer=viewer)
    except ProfileNotFound:  # no such user, or deactivated: nothing ranked to show
        raise UserNotRanked()


def user_rank(*, user) -> dict:
    """``UserRankResponse``: the caller's global rank and rating, with the players around them
    (up to five above and five below, the caller included)."""
    user_id = user.pk
    pos = _position(user_id, AROUND_RADIUS)
    if pos.rank is None:
        raise UserNotRanked()
    entries = _entries(pos.rows)
    if not any(e["user_id"] == str(user_id) for e in entries):
        raise UserNotRanked()
    fields = _cached_rating(user_id)
    card = _card_or_unranked(user_id, user)
    return {
        "rank": pos.rank,
        "total_players": pos.size,
        "percentile": round(100.0 * (pos.size - pos.rank + 1) / pos.size, 2) if pos.size else 0.0,
        "rating": _rating_body(fields, card, pos),
        "nearby_players": entries,
    }


def rating_detail(*, user_id, viewer) -> dict:
    """``PlayerRating`` of a player; a private one only to its owner and staff."""
    card = _card_or_unranked(user_id, viewer)
    fields = _cached_rating(user_id)
    return _rating_body(fields, card, _position(user_id, 0))


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
        "player1_pre_elo": m.player1_pre_elo,
        "player2_pre_elo": m.player2_pre_elo,
        "player1_post_elo": m.player1_post_elo,
        "player2_post_elo": m.player2_post_elo,
        "elo_delta_p1": m.elo_delta_p1,
        "elo_delta_p2": m.elo_delta_p2,
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
        "tier": fields["current_tier"],
        "listed": fields["listed"],
        "recent_matches": [_match_dict(m) for m in selectors.recent_matches(user_id)],
    }


def player_stats(*, user_id, viewer) -> dict:
    """Stats of a player; a private profile only to its owner and staff. PROFILE_NOT_FOUND for
    no such or a deactivated user, LEADERBOARD_USER_NOT_RANKED before a first match."""
    selectors.profile_card(user_id=user_id, viewer=viewer)
    stats = get_or_set_json(stats_key(user_id), lambda: _stats_payload(user_id), ttl())
    if stats is None:
        raise UserNotRanked()
    if not stats.pop("listed"):  # deactivated (the profile cache may not know yet)
        raise ProfileNotFound()
    for match in stats["recent_matches"]:
        match["played_at"] = _as_datetime(match["played_at"])
    return stats
