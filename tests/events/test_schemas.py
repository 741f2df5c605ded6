import uuid

import pytest

from events.schemas import EVENT_SCHEMAS, EventSchemaError, normalize_event

API_FIELDS = {
    "match.completed": "match_id, player1_id, player2_id, winner_id, player1_score, player2_score, "
    "duration_seconds, player1_kills, player2_kills, player1_streak, player2_streak",
    "player.cosmetic_purchased": "user_id, cosmetic_id, cosmetic_type, price_paid, currency",
    "battlepass.reward_earned": "user_id, season_id, tier_reached, reward_type, reward_value",
    "player.levelup": "user_id, old_level, new_level, total_xp",
    "battlepass.challenge_completed": "user_id, season_id, challenge_id, xp_reward",
    "ranking.tier_changed": "user_id, old_tier, new_tier, elo",
    # Not in API.md's event table: the season end's per-player event, which notifications
    # consumes to write the `season_ended` notification (API.md, Season end, step 5).
    "season.ended": "user_id, season_id, season_number, season_name, final_rank, "
    "final_country_rank, final_elo, final_tier, rewards",
}
API_TOPICS = {
    "match.completed": "match-completed",
    "player.cosmetic_purchased": "cosmetic-purchased",
    "battlepass.reward_earned": "reward-earned",
    "player.levelup": "player-levelup",
    "battlepass.challenge_completed": "challenge-completed",
    "ranking.tier_changed": "tier-changed",
    "season.ended": "season-ended",
}


def test_schemas_match_api_md():
    assert set(EVENT_SCHEMAS) == set(API_FIELDS)
    for event_type, schema in EVENT_SCHEMAS.items():
        assert ", ".join(schema.field_names) == API_FIELDS[event_type]
        assert schema.topic == API_TOPICS[event_type]


def _levelup(**overrides):
    data = {"user_id": uuid.uuid4(), "old_level": 1, "new_level": 2, "total_xp": 400}
    data.update(overrides)
    return data


def test_normalises_uuids_to_strings():
    data = _levelup()
    _, clean = normalize_event("player.levelup", data)
    assert clean["user_id"] == str(data["user_id"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"user_id": "nope"}, "user_id must be a UUID"),
        ({"user_id": None}, "user_id may not be null"),
        ({"old_level": "1"}, "old_level must be an integer"),
        ({"old_level": True}, "old_level must be an integer"),
        ({"total_xp": -1}, "total_xp must not be negative"),
        ({"extra": 1}, "unknown field 'extra'"),
    ],
)
def test_type_errors_are_named(overrides, message):
    with pytest.raises(EventSchemaError, match=message):
        normalize_event("player.levelup", _levelup(**overrides))


def test_missing_field_and_unknown_type():
    data = _levelup()
    del data["total_xp"]
    with pytest.raises(EventSchemaError, match="missing field 'total_xp'"):
        normalize_event("player.levelup", data)
    with pytest.raises(EventSchemaError, match="Unknown event type"):
        normalize_event("player.nope", {})


def test_nullable_and_id_kinds():
    _, clean = normalize_event(
        "ranking.tier_changed",
        {"user_id": str(uuid.uuid4()), "old_tier": None, "new_tier": "gold", "elo": 1250},
    )
    assert clean["old_tier"] is None
    for season_id in (7, str(uuid.uuid4()), uuid.uuid4()):
        normalize_event(
            "battlepass.challenge_completed",
            {
                "user_id": str(uuid.uuid4()),
                "season_id": season_id,
                "challenge_id": 3,
                "xp_reward": 50,
            },
        )
