"""Read-side battle pass queries: the active season, a season's tiers, a player's battle pass."""

import uuid
from dataclasses import dataclass, field

from battlepass.models import BattlePassTier, PlayerSeasonProgress, RewardClaim, Season, Track
from core.errors import NotFound


def season_active_get() -> Season | None:
    return Season.objects.filter(is_active=True).first()


def season_get(*, season_id) -> Season:
    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        raise NotFound("No such season.")
    return season


@dataclass
class TierView:
    tier_number: int
    free_reward: tuple | None
    premium_reward: tuple | None


def season_tiers(*, season: Season) -> list[TierView]:
    """Tiers 1..max_tier in order; a tier with no stored row has no rewards."""
    rows = {
        row.tier_number: row
        for row in BattlePassTier.objects.filter(season=season).select_related(
            "free_reward_cosmetic", "premium_reward_cosmetic"
        )
    }
    views = []
    for number in range(1, season.max_tier + 1):
        row = rows.get(number)
        views.append(
            TierView(
                tier_number=number,
                free_reward=row.reward(Track.FREE) if row else None,
                premium_reward=row.reward(Track.PREMIUM) if row else None,
            )
        )
    return views


def purchased_tiers_get(*, user, season: Season) -> int | None:
    """The tiers ``user`` bought in ``season`` (0 when none); None for an anonymous caller."""
    if user is None or not user.is_authenticated:
        return None
    progress = PlayerSeasonProgress.objects.filter(user=user, season=season).first()
    return progress.purchased_tiers if progress else 0


@dataclass
class PlayerBattlePass:
    user_id: uuid.UUID
    season: Season
    current_tier: int
    current_xp: int
    xp_to_next_tier: int
    is_premium: bool
    purchased_tiers: int = 0
    claimed_rewards: list[dict] = field(default_factory=list)
    claimable_rewards: list[dict] = field(default_factory=list)


def player_battlepass(*, user, season: Season, progress: PlayerSeasonProgress | None = None):
    """The player's battle pass in ``season``; a player never touched yet is at tier 0 (no row
    is written by reading)."""
    if progress is None:
        progress = PlayerSeasonProgress.objects.filter(user=user, season=season).first()
    current_xp = progress.current_xp if progress else 0
    tier = progress.current_tier if progress else 0
    is_premium = bool(progress and progress.is_premium)
    purchased = progress.purchased_tiers if progress else 0
    # The XP still needed for the next tier XP alone gives (purchased tiers come on top).
    xp_tiers = current_xp // season.xp_per_tier
    to_next = 0 if tier >= season.max_tier else (xp_tiers + 1) * season.xp_per_tier - current_xp
    claimed = sorted(
        RewardClaim.objects.filter(user=user, season=season).values_list("tier", "track")
    )
    claimed_set = set(claimed)
    claimable = []
    if tier:
        for row in BattlePassTier.objects.filter(season=season, tier_number__lte=tier).order_by(
            "tier_number"
        ):
            for track in Track.values:
                if row.reward(track) is None or (row.tier_number, track) in claimed_set:
                    continue
                if track == Track.PREMIUM and not is_premium:
                    continue
                claimable.append({"tier": row.tier_number, "track": track})
    return PlayerBattlePass(
        user_id=user.pk,
        season=season,
        current_tier=tier,
        current_xp=current_xp,
        xp_to_next_tier=to_next,
        is_premium=is_premium,
        purchased_tiers=purchased,
        claimed_rewards=[{"tier": t, "track": tr} for t, tr in claimed],
        claimable_rewards=claimable,
    )


def season_challenges_for(*, user, season: Season) -> list[dict]:
    """The season's challenges with the user's progress (shown capped at the target)."""
    from battlepass.models import ChallengeProgress, SeasonChallenge

    rows = {
        row.challenge_id: row
        for row in ChallengeProgress.objects.filter(user=user, challenge__season=season)
    }
    items = []
    for challenge in SeasonChallenge.objects.filter(season=season).order_by("code"):
        row = rows.get(challenge.pk)
        items.append(
            {
                "id": challenge.pk,
                "code": challenge.code,
                "name": challenge.name,
                "description": challenge.description,
                "metric": challenge.metric,
                "target": challenge.target,
                "progress": min(challenge.target, row.progress) if row else 0,
                "xp_reward": challenge.xp_reward,
                "completed_at": row.completed_at if row else None,
            }
        )
    return items
