"""One schema per event type (API.md's Events table): its topic and the typed fields of ``data``.

``validate_event`` checks names, types and bounds and returns the data normalised for JSON (UUIDs
as strings); it raises ``EventSchemaError`` with every problem found. This is the one place the
match bounds of API.md live: ``POST matches/`` validates its body with the same fields
(``events.serializers``), and the consumer dead-letters a message that fails them.
"""

import uuid
from dataclasses import dataclass

INT32_MAX = 2_147_483_647  # scores, kills, streaks: the database's integer columns
MATCH_SECONDS_MAX = 86_400  # a match lasts at most a day


class EventSchemaError(ValueError):
    """``problems`` maps each offending field (or ``data``) to its messages."""

    def __init__(self, message: str, problems: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.problems = problems or {"data": [message]}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "uuid" | "id" | "count" | "int" | "str" | "scalar" | "list"
    nullable: bool = False
    maximum: int | None = None  # "count" / "int": the largest value accepted
    help: str = ""

    @property
    def minimum(self) -> int | None:
        return 0 if self.kind == "count" else None


def check_field(field: Field, value):
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
        if field.minimum is not None and value < field.minimum:
            return None, "must not be negative"
        if field.maximum is not None and value > field.maximum:
            return None, f"must be at most {field.maximum}"
        return value, None
    if kind == "str":
        return (value, None) if isinstance(value, str) else (None, "must be a string")
    if kind == "list":  # of JSON objects or scalars
        return (list(value), None) if isinstance(value, list | tuple) else (None, "must be a list")
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
            Field("match_id", "uuid", help="The game server's id of the match (once per match)."),
            Field("player1_id", "uuid"),
            Field("player2_id", "uuid"),
            Field("winner_id", "uuid", nullable=True, help="null for a draw"),
            Field("player1_score", "count", maximum=INT32_MAX),
            Field("player2_score", "count", maximum=INT32_MAX),
            Field(
                "duration_seconds",
                "count",
                maximum=MATCH_SECONDS_MAX,
                help="Match length, seconds.",
            ),
            Field("player1_kills", "count", maximum=INT32_MAX),
            Field("player2_kills", "count", maximum=INT32_MAX),
            Field("player1_streak", "count", maximum=INT32_MAX),
            Field("player2_streak", "count", maximum=INT32_MAX),
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
    "season.ended": EventSchema(
        "season-ended",
        (
            Field("user_id", "uuid"),
            Field("season_id", "id"),
            Field("season_number", "count"),
            Field("season_name", "str"),
            Field("final_rank", "count"),
            Field("final_country_rank", "count", nullable=True),
            Field("final_elo", "count"),
            Field("final_tier", "str"),
            Field("rewards", "list", help="Rewards granted at the end: [{type, value}]."),
        ),
    ),
}

TOPICS: tuple[str, ...] = tuple(dict.fromkeys(s.topic for s in EVENT_SCHEMAS.values()))


def validate_event(event_type: str, data: dict) -> EventSchema:
    """Check ``data`` against the schema of ``event_type``; see ``normalize_event``."""
    return normalize_event(event_type, data)[0]


def _sentence(said: str, name: str) -> str:
    """A field's problem as a message of its own ("Must be at most 86400.")."""
    text = said.removeprefix(f"{name} ")
    return f"{text[0].upper()}{text[1:]}."


def normalize_event(event_type: str, data: dict) -> tuple[EventSchema, dict]:
    schema = EVENT_SCHEMAS.get(event_type)
    if schema is None:
        raise EventSchemaError(f"Unknown event type {event_type!r}.")
    if not isinstance(data, dict):
        raise EventSchemaError(f"{event_type}: data must be an object.")
    names = schema.field_names
    problems: dict[str, str] = {n: f"missing field {n!r}" for n in names if n not in data}
    problems.update({str(n): f"unknown field {n!r}" for n in data if n not in names})
    clean = {}
    for field in schema.fields:
        if field.name in data:
            value, error = check_field(field, data[field.name])
            if error:
                problems[field.name] = f"{field.name} {error}"
            clean[field.name] = value
    if not problems and event_type == "match.completed":
        problems = _match_problems(clean)
    if problems:
        raise EventSchemaError(
            f"{event_type}: " + "; ".join(problems.values()) + ".",
            {name: [_sentence(said, name)] for name, said in problems.items()},
        )
    return schema, clean


def _match_problems(data: dict) -> dict[str, str]:
    """The match's own consistency (no user looked up: that is the domain's check): two
    different players, the winner one of them or null for a draw."""
    problems = {}
    if data["player1_id"] == data["player2_id"]:
        problems["player2_id"] = "player2_id the two players must differ"
    winner = data["winner_id"]
    if winner is not None and winner not in (data["player1_id"], data["player2_id"]):
        problems["winner_id"] = (
            "winner_id the winner must be one of the players (or null for a draw)"
        )
    return problems
