from datetime import timedelta

import factory
from django.utils import timezone

from battlepass.models import BattlePassTier, Season


class SeasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Season

    season_number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Season {n + 1}")
    theme = "neon"
    start_date = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    end_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=60))
    xp_per_tier = 1000
    max_tier = 10
    premium_price = 500
    is_active = True


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BattlePassTier

    season = factory.SubFactory(SeasonFactory)
    tier_number = factory.Sequence(lambda n: n + 1)
    free_reward_type = "coins"
    free_reward_value = "100"


def coin_tiers(season, count: int, *, free: int = 100, premium: int | None = 200):
    """Tiers 1..count, each with a free coin reward and (unless None) a premium coin reward."""
    rows = []
    for number in range(1, count + 1):
        rows.append(
            TierFactory(
                season=season,
                tier_number=number,
                free_reward_type="coins",
                free_reward_value=str(free),
                premium_reward_type="coins" if premium else "",
                premium_reward_value=str(premium) if premium else "",
            )
        )
    return rows
