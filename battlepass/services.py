"""Write-side battle pass logic: XP (see ``battlepass.xp``), season activation, tiers, premium
and reward claims. Every function here is one transaction that locks what it changes; the
progress row is always locked before the wallet or the profile (one lock order, no deadlocks).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from battlepass.challenges import challenge_progress_record, season_challenges
from battlepass.daily import DailyBonusResult, daily_bonus_claim
from battlepass.errors import (
    AlreadyClaimed,
    AlreadyPremium,
    PremiumRequired,
    SeasonInactive,
    TierNotReached,
)
from battlepass.models import (
    BattlePassTier,
    PlayerSeasonProgress,
    RewardClaim,
    RewardType,
    Season,
    Track,
    XPSource,
)
from battlepass.purchases import battlepass_tiers_purchase
from battlepass.selectors import season_active_get
from battlepass.xp import (
    XPAwardResult,
    calculate_match_xp,
    lock_progress,
    xp_award,
)
from core.errors import Conflict, NotFound, ValidationFailed

__all__ = [
    "ClaimResult",
    "DailyBonusResult",
    "GrantedReward",
    "XPAwardResult",
    "battlepass_premium_purchase",
    "battlepass_reward_claim",
    "battlepass_tiers_purchase",
    "calculate_match_xp",
    "challenge_progress_record",
    "daily_bonus_claim",
    "season_activate",
    "season_challenges",
    "season_generate_tiers",
    "xp_award",
]


def require_active_season() -> Season:
    season = season_active_get()
    if season is None:
        raise SeasonInactive()
    return season


@transaction.atomic
def season_activate(*, season: Season) -> Season:
    """Make ``season`` the one active season; the previous one is deactivated in the same
    transaction. Two concurrent activations cannot both win: the partial unique constraint
    refuses the second, reported as 409 CONFLICT."""
    Season.objects.select_for_update().filter(is_active=True).exclude(pk=season.pk).update(
        is_active=False
    )
    try:
        with transaction.atomic():
            Season.objects.filter(pk=season.pk).update(is_active=True)
    except IntegrityError:
        raise Conflict("Another season was activated at the same time; try again.")
    season.is_active = True
    return season


@transaction.atomic
def season_generate_tiers(*, season: Season, count: int, coins: int) -> int:
    """Create tiers 1..count (capped at the season's max_tier) that do not exist yet, each with a
    free reward of ``coins`` coins. Returns how many were created."""
    if count < 1 or coins < 1:
        raise ValidationFailed("count and coins must be positive.")
    existing = set(
        BattlePassTier.objects.filter(season=season).values_list("tier_number", flat=True)
    )
    created = 0
    for number in range(1, min(count, season.max_tier) + 1):
        if number in existing:
            continue
        BattlePassTier(
            season=season,
            tier_number=number,
            free_reward_type=RewardType.COINS,
            free_reward_value=str(coins),
        ).save()
        created += 1
    return created


@transaction.atomic
def battlepass_premium_purchase(*, user) -> PlayerSeasonProgress:
    """Debit the active season's premium price from the premium wallet and unlock the premium
    track; premium rewards of tiers already reached become claimable at once."""
    from cosmetics.services import wallet_change

    season = require_active_season()
    progress = lock_progress(user=user, season=season)
    if progress.is_premium:
        raise AlreadyPremium()
    if season.premium_price > 0:
        wallet_change(
            user=user,
            currency="premium",
            amount=-season.premium_price,
            reason="battlepass_premium",
            reference=f"season:{season.pk}",
        )
    progress.is_premium = True
    progress.premium_purchased_at = timezone.now()
    progress.save(update_fields=["is_premium", "premium_purchased_at", "updated_at"])
    return progress


@dataclass(frozen=True)
class GrantedReward:
    type: str
    value: str
    cosmetic: object | None = None


@dataclass(frozen=True)
class ClaimResult:
    tier: int
    granted: list[GrantedReward]
    progress: PlayerSeasonProgress


def _claimable_tracks(*, tier_row, claimed: set[str], is_premium: bool) -> tuple[list[str], bool]:
    """(tracks the player may take now, whether an unclaimed premium reward is held back)."""
    tracks, held_back = [], False
    for track in Track.values:
        if tier_row is None or tier_row.reward(track) is None or track in claimed:
            continue
        if track == Track.PREMIUM and not is_premium:
            held_back = True
            continue
        tracks.append(track)
    return tracks, held_back


@transaction.atomic
def battlepass_reward_claim(*, user, tier: int, track: str | None = None) -> ClaimResult:
    """Take the reward(s) of ``tier`` in the active season: one track, or with ``track`` None
    every unclaimed reward the player may take. Grants in this transaction (inventory, wallet
    ledger or ``xp_award``). The progress row lock serialises a player's claims; the unique
    constraint on (user, season, tier, track) is the guard that a reward is granted once."""
    season = require_active_season()
    if tier < 1 or tier > season.max_tier:
        raise ValidationFailed(
            f"tier must be between 1 and {season.max_tier}.",
            details={"tier": [f"Ensure this value is between 1 and {season.max_tier}."]},
        )
    progress = lock_progress(user=user, season=season)
    if tier > progress.current_tier:
        raise TierNotReached(f"Tier {tier} is above your tier ({progress.current_tier}).")
    tier_row = (
        BattlePassTier.objects.select_related("free_reward_cosmetic", "premium_reward_cosmetic")
        .filter(season=season, tier_number=tier)
        .first()
    )
    claimed = set(
        RewardClaim.objects.filter(user=user, season=season, tier=tier).values_list(
            "track", flat=True
        )
    )
    if track is not None:
        if tier_row is None or tier_row.reward(track) is None:
            raise NotFound(f"Tier {tier} has no {track} reward.")
        if track == Track.PREMIUM and not progress.is_premium:
            raise PremiumRequired()
        if track in claimed:
            raise AlreadyClaimed()
        tracks = [track]
    else:
        tracks, held_back = _claimable_tracks(
            tier_row=tier_row, claimed=claimed, is_premium=progress.is_premium
        )
        if not tracks and held_back:
            raise PremiumRequired("The rest of this tier's rewards need the premium pass.")
        if not tracks:
            raise AlreadyClaimed("Every reward of this tier has been claimed.")
    granted = [
        _claim_one(user=user, season=season, tier_row=tier_row, track=name) for name in tracks
    ]
    progress.refresh_from_db()
    return ClaimResult(tier=tier, granted=granted, progress=progress)


def _claim_one(*, user, season: Season, tier_row: BattlePassTier, track: str) -> GrantedReward:
    kind, value, cosmetic = tier_row.reward(track)
    try:
        with transaction.atomic():
            claim = RewardClaim.objects.create(
                user=user,
                season=season,
                tier=tier_row.tier_number,
                track=track,
                reward_type=kind,
                reward_value=value,
                granted_type=kind,
                granted_value=value,
            )
    except IntegrityError:
        raise AlreadyClaimed()
    granted = _grant(user=user, claim=claim, kind=kind, value=value, cosmetic=cosmetic)
    if (granted.type, granted.value) != (kind, value):
        claim.granted_type, claim.granted_value = granted.type, granted.value
        claim.save(update_fields=["granted_type", "granted_value"])
    return granted


def duplicate_cosmetic_coins(cosmetic) -> int:
    """Coins given instead of a cosmetic reward the player already owns: the item's coin price,
    or ``BATTLEPASS_DUPLICATE_FALLBACK_COINS`` when it has none."""
    price = getattr(cosmetic, "price_coins", None)
    return int(price) if price else int(settings.BATTLEPASS_DUPLICATE_FALLBACK_COINS)


def _grant(*, user, claim: RewardClaim, kind: str, value: str, cosmetic) -> GrantedReward:
    from cosmetics.services import inventory_grant, wallet_change

    reference = f"battlepass_claim:{claim.pk}"
    if kind == RewardType.COSMETIC:
        if inventory_grant(user=user, cosmetic=cosmetic, source="battlepass"):
            return GrantedReward(type=kind, value=value, cosmetic=cosmetic)
        coins = duplicate_cosmetic_coins(cosmetic)
        wallet_change(
            user=user,
            currency="coins",
            amount=coins,
            reason="battlepass_duplicate",
            reference=reference,
        )
        return GrantedReward(type=RewardType.COINS, value=str(coins))
    if kind == RewardType.COINS:
        wallet_change(
            user=user,
            currency="coins",
            amount=int(value),
            reason="battlepass_reward",
            reference=reference,
        )
        return GrantedReward(type=kind, value=value)
    xp_award(
        user=user,
        amount=int(value),
        source=XPSource.BATTLEPASS_REWARD,
        reference=reference,
    )
    return GrantedReward(type=kind, value=value)
