"""``match.completed`` → match XP, profile XP and season challenges: battlepass's handler,
registered in ``BattlepassConfig.ready``.

A batch of matches is applied in one transaction, in delivery order: every player's season
progress row and then profile row are locked once up front (each in one ordered statement),
then each match awards its players' XP (``xp_award``) and counts towards their challenges. The
idempotency guards of these effects are the unique XP log row (user, source, match) and the
unique challenge match record; the dispatcher's ``ProcessedEvent`` row is this handler's own,
apart from ranking's. Matches whose players are not active users are refused (dead-lettered).
"""

import uuid

from accounts.players import matches_with_players
from battlepass.challenges import challenge_progress_record, season_challenges
from battlepass.selectors import season_active_get
from battlepass.xp import calculate_match_xp, progress_lock_many, xp_award
from events.registry import handles
from profiles.services import profiles_lock


@handles("match.completed", batch=True)
def apply_match_xp(envelopes: list[dict]) -> dict[str, str]:
    rejected, accepted, players = matches_with_players(envelopes)
    matches = [envelope["data"] for envelope in accepted]
    if not matches:
        return rejected
    user_ids = sorted({uuid.UUID(d[k]) for d in matches for k in ("player1_id", "player2_id")})
    season = season_active_get()  # looked up once for the whole batch
    challenges = season_challenges(season)
    if season is not None:
        progress_lock_many(user_ids=user_ids, season=season)
    profiles_lock(user_ids=user_ids)
    for data in matches:
        _apply_one(data, players, season, challenges)
    return rejected


def _apply_one(data: dict, players: dict, season, challenges) -> None:
    for side in sorted(("player1", "player2"), key=lambda s: uuid.UUID(data[f"{s}_id"])):
        player_id = data[f"{side}_id"]
        won = None if data["winner_id"] is None else data["winner_id"] == player_id
        xp = calculate_match_xp(
            won=won,
            kills=data[f"{side}_kills"],
            streak=data[f"{side}_streak"],
            duration_seconds=data["duration_seconds"],
        )
        user = players[player_id]
        xp_award(
            user=user,
            amount=xp,
            source="match",
            match_id=data["match_id"],
            season=season,
            challenges=challenges,
        )
        challenge_progress_record(
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
