"""``match.completed`` → ratings: ranking's handler, registered in ``RankingConfig.ready``.

A batch of matches is applied in one transaction (``ratings_apply``: each player's rating row
locked once, one ordered statement), in delivery order. Matches whose players are not active
users are refused (dead-lettered) without touching their neighbours. The idempotency guard of
this effect is the unique ``MatchResult.match_id``; the dispatcher's ``ProcessedEvent`` row is
this handler's own, apart from battlepass's.
"""

import uuid

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.players import match_player_problems, matches_with_players
from events.registry import checks, handles
from ranking.services import MatchToRate, ratings_apply

checks("match.completed")(match_player_problems)


def _to_rate(envelope: dict) -> MatchToRate:
    data = envelope["data"]
    winner = data["winner_id"]
    return MatchToRate(
        match_id=uuid.UUID(data["match_id"]),
        player1_id=uuid.UUID(data["player1_id"]),
        player2_id=uuid.UUID(data["player2_id"]),
        winner_id=None if winner is None else uuid.UUID(winner),
        played_at=parse_datetime(str(envelope.get("timestamp", ""))) or timezone.now(),
        duration_seconds=data["duration_seconds"],
        player1_score=data["player1_score"],
        player2_score=data["player2_score"],
    )


@handles("match.completed", batch=True)
def apply_match_ratings(envelopes: list[dict]) -> dict[str, str]:
    rejected, accepted = matches_with_players(envelopes)
    ratings_apply([_to_rate(envelope) for envelope in accepted])
    return rejected
