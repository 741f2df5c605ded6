"""One schema per event type (API.md's Events table): its topic and the fields of ``data``."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EventSchema:
    topic: str
    fields: tuple[str, ...]


EVENT_SCHEMAS: dict[str, EventSchema] = {
    "match.completed": EventSchema(
        "match-completed",
        (
            "match_id",
            "player1_id",
            "player2_id",
            "winner_id",
            "player1_score",
            "player2_score",
            "duration_seconds",
            "player1_kills",
            "player2_kills",
            "player1_streak",
            "player2_streak",
        ),
    ),
    "player.cosmetic_purchased": EventSchema(
        "cosmetic-purchased", ("user_id", "cosmetic_id", "cosmetic_type", "price_paid", "currency")
    ),
    "battlepass.reward_earned": EventSchema(
        "reward-earned", ("user_id", "season_id", "tier_reached", "reward_type", "reward_value")
    ),
    "player.levelup": EventSchema(
        "player-levelup", ("user_id", "old_level", "new_level", "total_xp")
    ),
    "battlepass.challenge_completed": EventSchema(
        "challenge-completed", ("user_id", "season_id", "challenge_id", "xp_reward")
    ),
    "ranking.tier_changed": EventSchema("tier-changed", ("user_id", "old_tier", "new_tier", "elo")),
}


class EventSchemaError(ValueError):
    pass


def validate_event(event_type: str, data: dict) -> EventSchema:
    schema = EVENT_SCHEMAS.get(event_type)
    if schema is None:
        raise EventSchemaError(f"Unknown event type {event_type!r}.")
    if not isinstance(data, dict):
        raise EventSchemaError("Event data must be an object.")
    missing = [f for f in schema.fields if f not in data]
    unknown = [f for f in data if f not in schema.fields]
    if missing or unknown:
        raise EventSchemaError(
            f"{event_type}: missing fields {missing or '[]'}, unknown fields {unknown or '[]'}."
        )
    return schema
