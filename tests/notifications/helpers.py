"""Envelopes of the six consumed event types, and direct delivery to the inbox handlers."""

import uuid
from datetime import datetime

from django.utils import timezone

from notifications import handlers
from notifications.models import Notification, NotificationKind

HANDLERS = {
    "player.levelup": handlers.on_player_levelup,
    "battlepass.reward_earned": handlers.on_battlepass_reward_earned,
    "battlepass.challenge_completed": handlers.on_battlepass_challenge_completed,
    "player.cosmetic_purchased": handlers.on_player_cosmetic_purchased,
    "ranking.tier_changed": handlers.on_ranking_tier_changed,
    "season.ended": handlers.on_season_ended,
}

KIND_OF = {
    "player.levelup": NotificationKind.LEVEL_UP,
    "battlepass.reward_earned": NotificationKind.REWARD_EARNED,
    "battlepass.challenge_completed": NotificationKind.CHALLENGE_COMPLETED,
    "player.cosmetic_purchased": NotificationKind.COSMETIC_PURCHASED,
    "ranking.tier_changed": NotificationKind.RANK_TIER_CHANGED,
    "season.ended": NotificationKind.SEASON_ENDED,
}


def sample_data(event_type: str, user_id) -> dict:
    user_id = str(user_id)
    return {
        "player.levelup": {"user_id": user_id, "old_level": 6, "new_level": 7, "total_xp": 4900},
        "battlepass.reward_earned": {
            "user_id": user_id,
            "season_id": str(uuid.uuid4()),
            "tier_reached": 5,
            "reward_type": "coins",
            "reward_value": 100,
        },
        "battlepass.challenge_completed": {
            "user_id": user_id,
            "season_id": str(uuid.uuid4()),
            "challenge_id": str(uuid.uuid4()),
            "xp_reward": 250,
        },
        "player.cosmetic_purchased": {
            "user_id": user_id,
            "cosmetic_id": str(uuid.uuid4()),
            "cosmetic_type": "skin",
            "price_paid": 500,
            "currency": "coins",
        },
        "ranking.tier_changed": {
            "user_id": user_id,
            "old_tier": "Gold",
            "new_tier": "Platinum",
            "elo": 1604,
        },
        "season.ended": {
            "user_id": user_id,
            "season_id": 3,
            "season_number": 3,
            "season_name": "Season 3",
            "final_rank": 12,
            "final_country_rank": None,
            "final_elo": 1720,
            "final_tier": "Platinum",
            "rewards": [{"type": "coins", "value": 500}],
        },
    }[event_type]


def envelope(event_type: str, data: dict, event_id=None) -> dict:
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "timestamp": "2026-11-25T10:30:00Z",
        "data": data,
    }


def deliver(env: dict) -> None:
    HANDLERS[env["event_type"]](env)


def make_notification(
    user, *, kind=NotificationKind.LEVEL_UP, created_at: datetime | None = None, read_at=None
) -> Notification:
    return Notification.objects.create(
        user=user,
        kind=kind,
        title="Level up!",
        body="You reached level 2.",
        data={"new_level": 2},
        source_event_id=uuid.uuid4(),
        created_at=created_at or timezone.now(),
        read_at=read_at,
    )
