"""Database guards and reward validation of seasons and tiers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from battlepass.models import BattlePassTier, Season
from battlepass.services import season_activate, season_generate_tiers
from cosmetics.models import Cosmetic
from tests.battlepass.factories import SeasonFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_a_second_active_season():
    SeasonFactory(is_active=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeasonFactory(is_active=True)
    SeasonFactory(is_active=False)
    assert Season.objects.filter(is_active=True).count() == 1


def test_activation_switches_in_one_step():
    first = SeasonFactory(is_active=True)
    second = SeasonFactory(is_active=False)
    season_activate(season=second)
    assert list(Season.objects.filter(is_active=True)) == [second]
    season_activate(season=second)  # already active: unchanged
    season_activate(season=first)
    assert list(Season.objects.filter(is_active=True)) == [first]


def test_dates_must_be_ordered():
    season = SeasonFactory.build()
    season.end_date = season.start_date
    with pytest.raises(ValidationError):
        season.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        season.save()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("coins", "0", "positive"),
        ("coins", "-5", "positive"),
        ("xp", "ten", "positive"),
        ("cosmetic", "no-such-item", "No cosmetic"),
        ("", "12", "reward type"),
    ],
)
def test_bad_rewards_are_refused_on_save(kind, value, message):
    season = SeasonFactory()
    tier = BattlePassTier(
        season=season, tier_number=1, free_reward_type=kind, free_reward_value=value
    )
    with pytest.raises(ValidationError, match=message):
        tier.save()
    assert not BattlePassTier.objects.exists()


def test_tier_above_max_tier_is_refused():
    season = SeasonFactory(max_tier=5)
    with pytest.raises(ValidationError, match="5 tiers"):
        BattlePassTier(season=season, tier_number=6).save()


def test_cosmetic_reward_links_the_cosmetic_and_amounts_are_normalised():
    cosmetic = Cosmetic.objects.create(slug="gold-trail", name="Gold", type="trail", rarity="rare")
    season = SeasonFactory()
    tier = BattlePassTier(
        season=season,
        tier_number=1,
        free_reward_type="cosmetic",
        free_reward_value=" gold-trail ",
        premium_reward_type="coins",
        premium_reward_value="0250",
    )
    tier.save()
    tier.refresh_from_db()
    assert tier.free_reward_cosmetic == cosmetic and tier.free_reward_value == "gold-trail"
    assert tier.premium_reward_value == "250" and tier.premium_reward_cosmetic is None


def test_database_refuses_a_cosmetic_reward_without_cosmetic():
    season = SeasonFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BattlePassTier.objects.bulk_create(
            [
                BattlePassTier(
                    season=season, tier_number=1, free_reward_type="cosmetic", free_reward_value="x"
                )
            ]
        )


def test_generate_tiers_fills_missing_tiers_up_to_max():
    season = SeasonFactory(max_tier=5)
    BattlePassTier(
        season=season, tier_number=2, free_reward_type="xp", free_reward_value="10"
    ).save()
    assert season_generate_tiers(season=season, count=30, coins=75) == 4
    tiers = list(BattlePassTier.objects.filter(season=season).order_by("tier_number"))
    assert [t.tier_number for t in tiers] == [1, 2, 3, 4, 5]
    assert tiers[1].free_reward_type == "xp"
    assert {(t.free_reward_type, t.free_reward_value) for t in tiers if t.tier_number != 2} == {
        ("coins", "75")
    }
