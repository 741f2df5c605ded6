"""Buying battle-pass tiers with premium currency (re-exported by ``battlepass.services``).

Tier = min(max_tier, floor(current_xp / xp_per_tier) + purchased_tiers). The progress row is
locked before the wallet (the app's one lock order), so concurrent purchases of one player run
one after the other and each sees the balance and the tier the previous one left.
"""

from django.db import transaction

from battlepass.errors import SeasonInactive, TiersNotForSale
from battlepass.models import PlayerSeasonProgress
from battlepass.selectors import season_active_get
from battlepass.xp import _publish_tier_rewards, lock_progress
from core.errors import ValidationFailed

REASON_TIERS = "battlepass_tiers"


@transaction.atomic
def battlepass_tiers_purchase(*, user, tiers: int) -> PlayerSeasonProgress:
    """Buy ``tiers`` tiers of the active season for ``tiers x tier_price`` premium currency.

    400 BATTLEPASS_SEASON_INACTIVE with no active season, 400 BATTLEPASS_TIERS_NOT_FOR_SALE when
    the season has no ``tier_price``, 400 VALIDATION_ERROR for n < 1 or a tier past max_tier,
    402 COSMETIC_INSUFFICIENT_FUNDS from ``wallet_change``; nothing is charged on any error.
    The newly reached tiers with a reward publish ``battlepass.reward_earned`` as XP does.
    """
    from cosmetics.services import wallet_change

    if isinstance(tiers, bool) or not isinstance(tiers, int) or tiers < 1:
        raise ValidationFailed(
            "tiers must be a whole number of at least 1.",
            details={"tiers": ["Ensure this value is a whole number greater than or equal to 1."]},
        )
    season = season_active_get()
    if season is None:
        raise SeasonInactive()
    if season.tier_price is None:
        raise TiersNotForSale()
    progress = lock_progress(user=user, season=season)
    room = season.max_tier - progress.current_tier
    if tiers > room:
        raise ValidationFailed(
            f"The battle pass has {season.max_tier} tiers; you can buy at most {max(0, room)} more.",
            details={"tiers": [f"Ensure this value is less than or equal to {max(0, room)}."]},
        )
    cost = tiers * season.tier_price
    if cost > 0:
        wallet_change(
            user=user,
            currency="premium",
            amount=-cost,
            reason=REASON_TIERS,
            reference=f"season:{season.pk}:tiers:{tiers}",
        )
    old_tier = progress.current_tier
    progress.purchased_tiers += tiers
    progress.current_tier = season.tier_for_xp(progress.current_xp, progress.purchased_tiers)
    progress.save(update_fields=["purchased_tiers", "current_tier", "updated_at"])
    _publish_tier_rewards(
        user=user, season=season, old_tier=old_tier, new_tier=progress.current_tier
    )
    return progress
