"""Event consumers: one handler per event type, each writing one inbox row per event.

Titles and bodies are short and ready to show; ``data`` carries the event's useful ids. Handlers
are idempotent on their own (unique source event + kind), whatever the delivery path.
"""

import functools
import logging
import uuid

from events.registry import handles
from notifications.models import NotificationKind
from notifications.services import notification_create_from_event
from ranking.elo import TIER_ORDER

logger = logging.getLogger(__name__)

# Lowest to highest (API.md's ranking tiers), to tell a promotion from a demotion.


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _consumes(event_type: str, kind: str):
    """Register ``build(data) -> (title, body, payload)`` as the handler of ``event_type``: the
    handler turns each delivered envelope into one ``kind`` notification of ``data.user_id``.
    A malformed envelope is logged and skipped (redelivering it could never succeed)."""

    def register(build):
        @functools.wraps(build)
        def handler(envelope: dict) -> None:
            data = envelope.get("data") if isinstance(envelope, dict) else None
            event_id = _uuid(envelope.get("event_id")) if isinstance(envelope, dict) else None
            user_id = _uuid(data.get("user_id")) if isinstance(data, dict) else None
            try:
                if event_id is None or user_id is None:
                    raise ValueError("bad event_id or user_id")
                title, body, payload = build(data)
            except (KeyError, TypeError, ValueError) as exc:
                logger.warning("Skipping malformed %s event: %s", event_type, exc)
                return
            notification_create_from_event(
                event_id=event_id, user_id=user_id, kind=kind, title=title, body=body, data=payload
            )

        return handles(event_type)(handler)

    return register


def _plural(n, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@_consumes("player.levelup", NotificationKind.LEVEL_UP)
def on_player_levelup(data: dict):
    return (
        "Level up!",
        f"You reached level {int(data['new_level'])}.",
        {
            "old_level": data["old_level"],
            "new_level": data["new_level"],
            "total_xp": data["total_xp"],
        },
    )


def _reward_text(reward_type: str, value) -> str:
    if reward_type == "coins":
        return _plural(int(value), "coin")
    if reward_type == "xp":
        return f"{int(value)} XP"
    if reward_type == "cosmetic":
        return "a new cosmetic"
    return "a reward"


@_consumes("battlepass.reward_earned", NotificationKind.REWARD_EARNED)
def on_battlepass_reward_earned(data: dict):
    return (
        "Battle pass reward unlocked",
        f"You reached tier {int(data['tier_reached'])}. "
        f"Claim your reward: {_reward_text(data['reward_type'], data['reward_value'])}.",
        {
            "season_id": data["season_id"],
            "tier_reached": data["tier_reached"],
            "reward_type": data["reward_type"],
            "reward_value": data["reward_value"],
        },
    )


@_consumes("battlepass.challenge_completed", NotificationKind.CHALLENGE_COMPLETED)
def on_battlepass_challenge_completed(data: dict):
    return (
        "Challenge completed!",
        f"You earned {int(data['xp_reward'])} XP.",
        {
            "season_id": data["season_id"],
            "challenge_id": data["challenge_id"],
            "xp_reward": data["xp_reward"],
        },
    )


@_consumes("player.cosmetic_purchased", NotificationKind.COSMETIC_PURCHASED)
def on_player_cosmetic_purchased(data: dict):
    item = str(data["cosmetic_type"]).replace("_", " ")[:30] or "item"
    return (
        "Purchase complete",
        f"Your new {item} is in your inventory.",
        {
            "cosmetic_id": data["cosmetic_id"],
            "cosmetic_type": data["cosmetic_type"],
            "price_paid": data["price_paid"],
            "currency": data["currency"],
        },
    )


def _tier_direction(old_tier: str, new_tier: str) -> str | None:
    order = [tier.lower() for tier in TIER_ORDER]
    old, new = str(old_tier).lower(), str(new_tier).lower()
    if old not in order or new not in order or old == new:
        return None
    return "promotion" if order.index(new) > order.index(old) else "demotion"


@_consumes("ranking.tier_changed", NotificationKind.RANK_TIER_CHANGED)
def on_ranking_tier_changed(data: dict):
    new_tier = str(data["new_tier"])[:30]
    shown = new_tier[:1].upper() + new_tier[1:]
    direction = _tier_direction(data["old_tier"], new_tier)
    if direction == "promotion":
        title, body = "Promoted!", f"You reached {shown} tier."
    elif direction == "demotion":
        title, body = "Rank tier lost", f"You dropped to {shown} tier."
    else:
        title, body = "Rank tier changed", f"Your rank tier is now {shown}."
    return (
        title,
        body,
        {
            "old_tier": data["old_tier"],
            "new_tier": data["new_tier"],
            "elo": data["elo"],
            "direction": direction,
        },
    )


@_consumes("season.ended", NotificationKind.SEASON_ENDED)
def on_season_ended(data: dict):
    rewards = [r for r in data["rewards"] if isinstance(r, dict)]
    body = f"You finished #{int(data['final_rank'])} in {str(data['final_tier'])[:30]}."
    if rewards:
        body += " Rewards: " + ", ".join(_reward_text(r["type"], r["value"]) for r in rewards) + "."
    return (
        f"{str(data['season_name'])[:60] or 'The season'} has ended",
        body,
        {
            "season_id": data["season_id"],
            "season_number": data["season_number"],
            "season_name": data["season_name"],
            "final_rank": data["final_rank"],
            "final_country_rank": data["final_country_rank"],
            "final_elo": data["final_elo"],
            "final_tier": data["final_tier"],
            "rewards": rewards,
        },
    )
