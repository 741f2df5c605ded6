"""Matches: the checks a reported match must pass, and the ``match.completed`` handler that
turns one into ELO, XP and battle-pass progress, once per match id."""

import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from events.models import IngestedMatch
from events.registry import EventRejected, handles


def match_players(data: dict) -> dict[str, object]:
    """The match's users that exist, by id string."""
    users = get_user_model().objects.in_bulk({data["player1_id"], data["player2_id"]})
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
    """Lock the match's ledger row (created if new); True when it has not been applied yet, in
    which case it is marked applied in the caller's transaction."""
    IngestedMatch.objects.bulk_create(
        [IngestedMatch(match_id=match_id, event_id=event_id)], ignore_conflicts=True
    )
    row = IngestedMatch.objects.select_for_update().get(match_id=match_id)
    if row.applied_at is not None:
        return False
    row.applied_at, row.applied_event_id = timezone.now(), event_id
    row.save(update_fields=["applied_at", "applied_event_id"])
    return True


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
    # Season challenges arrive with the battle pass's challenge service.
    record_challenges = getattr(battlepass, "challenge_progress_record", None)
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
        battlepass.award_xp(user=user, amount=xp, source="match", match_id=data["match_id"])
        if record_challenges is not None:
            record_challenges(
                user=user,
                metric_deltas={
                    "matches_played": 1,
                    "wins": 1 if won else 0,
                    "kills": data[f"{side}_kills"],
                },
                match_id=data["match_id"],
            )
