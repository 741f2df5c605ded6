"""Matches: the checks a reported match must pass, and the ``match.completed`` handler that
turns one into ELO, XP and battle-pass progress, once per match id."""

import uuid

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from events.models import IngestedMatch
from events.registry import EventRejected, handles


def match_players(data: dict) -> dict[str, object]:
    """The match's active users, by id string: a deactivated player is refused like an unknown
    one."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .in_bulk({data["player1_id"], data["player2_id"]})
    )
    return {str(pk): user for pk, user in users.items()}


def match_problems(data: dict, players: dict | None = None) -> dict[str, list[str]]:
    """Field → messages for a schema-valid match: players must exist and differ, the winner must
    be one of them (or null for a draw). Empty when the match is acceptable."""
    p1, p2, winner = data["player1_id"], data["player2_id"], data["winner_id"]
    players = match_players(data) if players is None else players
    problems: dict[str, list[str]] = {}
    if p1 == p2:
        problems["player2_id"] = ["The two players must differ."]
    if winner is not None and winner not in (p1, p2):
        problems["winner_id"] = ["The winner must be one of the players (or null for a draw)."]
    for key, player in (("player1_id", p1), ("player2_id", p2)):
        if player not in players:
            problems.setdefault(key, []).append("No such player.")
    return problems


def describe(problems: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in problems.items())


def claim_match(*, match_id: str, event_id: str) -> bool:
    """Mark the match applied in the caller's transaction, creating its ledger row if new, in one
    statement; False when it had been applied already. A concurrent claim of the same match
    waits on the row lock until this transaction ends, then finds it applied."""
    table = IngestedMatch._meta.db_table
    prep = IngestedMatch._meta.get_field("match_id").get_db_prep_value
    match, event = prep(uuid.UUID(match_id), connection), prep(uuid.UUID(event_id), connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (match_id, event_id, received_at, applied_at, applied_event_id) "  # noqa: S608
            "VALUES (%s, %s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, %s) "
            "ON CONFLICT (match_id) DO UPDATE SET applied_at = CURRENT_TIMESTAMP, "
            "applied_event_id = EXCLUDED.applied_event_id "
            f"WHERE {table}.applied_at IS NULL RETURNING match_id",
            [match, event, event],
        )
        return cursor.fetchone() is not None


@handles("match.completed")
def apply_match_completed(envelope: dict) -> None:
    """Ratings for both players, then match XP for each in user-id order (the same lock order as
    ranking's), then each player's season-challenge progress (wins, matches played, kills). The follow-up
    events (tier changes, level-ups, rewards) are written to the outbox by those services in
    this same transaction, which ``events.dispatch`` opens around the handler."""
    from battlepass import services as battlepass
    from ranking.services import update_ratings

    data, event_id = envelope["data"], str(envelope["event_id"])
    players = match_players(data)
    problems = match_problems(data, players)
    if problems:
        raise EventRejected(describe(problems))
    if not claim_match(match_id=data["match_id"], event_id=event_id):
        return
    update_ratings(
        match_id=data["match_id"],
        player1_id=data["player1_id"],
        player2_id=data["player2_id"],
        winner_id=data["winner_id"],
        played_at=parse_datetime(str(envelope.get("timestamp", ""))) or timezone.now(),
        duration_seconds=data["duration_seconds"],
        player1_score=data["player1_score"],
        player2_score=data["player2_score"],
    )
    season = battlepass.active_season()  # looked up once for both players' awards
    challenges = battlepass.season_challenges(season)
    for side in sorted(("player1", "player2"), key=lambda s: uuid.UUID(data[f"{s}_id"])):
        player_id = data[f"{side}_id"]
        won = None if data["winner_id"] is None else data["winner_id"] == player_id
        xp = battlepass.calculate_match_xp(
            won=won,
            kills=data[f"{side}_kills"],
            streak=data[f"{side}_streak"],
            duration_seconds=data["duration_seconds"],
        )
        user = players[player_id]
        battlepass.award_xp(
            user=user,
            amount=xp,
            source="match",
            match_id=data["match_id"],
            season=season,
            challenges=challenges,
        )
        battlepass.challenge_progress_record(
            user=user,
            metric_deltas={
                "matches_played": 1,
                "wins": 1 if won else 0,
                "kills": data[f"{side}_kills"],
            },
            match_id=data["match_id"],
            season=season,
            challenges=challenges,
        )
