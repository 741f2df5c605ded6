"""One schema per event type (API.md's Events table): its topic and the typed fields of ``data``.

``validate_event`` checks names and types and returns the data normalised for JSON (UUIDs as
strings); it raises ``EventSchemaError`` with every problem found.
"""

import uuid
from dataclasses import dataclass


class EventSchemaError(ValueError):
    pass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "uuid" | "id" | "count" | "int" | "str" | "scalar"
    nullable: bool = False


def _check(field: Field, value):
    """(normalised value, None) or (None, error message)."""
    if value is None:
        return (None, None) if field.nullable else (None, "may not be null")
    kind = field.kind
    if kind == "uuid" or (kind == "id" and not isinstance(value, int | bool)):
        try:
            return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))), None
        except (TypeError, ValueError, AttributeError):
            if kind == "uuid" or not isinstance(value, str) or not value:
                return None, "must be a UUID"
            return value, None
    if kind in ("id", "count", "int"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "must be an integer"
        if kind == "count" and value < 0:
            return None, "must not be negative"
        return value, None
    if kind == "str":
        return (value, None) if isinstance(value, str) else (None, "must be a string")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value, None
    return None, "must be a string or a number"


@dataclass(frozen=True)
class EventSchema:
    topic: str
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


EVENT_SCHEMAS: dict[str, EventSchema] = {
    "match.completed": EventSchema(
        "match-completed",
        (
            Field("match_id", "uuid"),
            Field("player1_id", "uuid"),
            Field("player2_id", "uuid"),
            Field("winner_id", "uuid", nullable=True),
            Field("player1_score", "count"),
            Field("player2_score", "count"),
            Field("duration_seconds", "count"),
            Field("player1_kills", "count"),
            Field("player2_kills", "count"),
            Field("player1_streak", "count"),
            Field("player2_streak", "count"),
        ),
    ),
    "player.cosmetic_purchased": EventSchema(
        "cosmetic-purchased",
        (
            Field("user_id", "uuid"),
            Field("cosmetic_id", "id"),
            Field("cosmetic_type", "str"),
            Field("price_paid", "count"),
            Field("currency", "str"),
        ),
    ),
    "battlepass.reward_earned": EventSchema(
        "reward-earned",
        (
            Field("user_id", "uuid"),
            Field("season_id", "id"),
            Field("tier_reached", "count"),
            Field("reward_type", "str"),
            Field("reward_value", "scalar", nullable=True),
        ),
    ),
    "player.levelup": EventSchema(
        "player-levelup",
        (
            Field("user_id", "uuid"),
            Field("old_level", "count"),
            Field("new_level", "count"),
            Field("total_xp", "count"),
        ),
    ),
    "battlepass.challenge_completed": EventSchema(
        "challenge-completed",
        (
            Field("user_id", "uuid"),
            Field("season_id", "id"),
            Field("challenge_id", "id"),
            Field("xp_reward", "count"),
        ),
    ),
    "ranking.tier_changed": EventSchema(
        "tier-changed",
        (
            Field("user_id", "uuid"),
            Field("old_tier", "str", nullable=True),
            Field("new_tier", "str"),
            Field("elo", "count"),
        ),
    ),
}

TOPICS: tuple[str, ...] = tuple(dict.fromkeys(s.topic for s in EVENT_SCHEMAS.values()))


def validate_event(event_type: str, data: dict) -> EventSchema:
    """Check ``data`` against the schema of ``event_type``; see ``normalize_event``."""
    return normalize_event(event_type, data)[0]


def normalize_event(event_type: str, data: dict) -> tuple[EventSchema, dict]:
    schema = EVENT_SCHEMAS.get(event_type)
    if schema is None:
        raise EventSchemaError(f"Unknown event type {event_type!r}.")
    if not isinstance(data, dict):
        raise EventSchemaError(f"{event_type}: data must be an object.")
    names = schema.field_names
    problems = [f"missing field {n!r}" for n in names if n not in data]
    problems += [f"unknown field {n!r}" for n in data if n not in names]
    clean = {}
    for field in schema.fields:
        if field.name in data:
            value, error = _check(field, data[field.name])
            if error:
                problems.append(f"{field.name} {error}")
            clean[field.name] = value
    if problems:
        raise EventSchemaError(f"{event_type}: " + "; ".join(problems) + ".")
    return schema, clean
