"""The "seasons" section of load_catalog, and the demo season."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from battlepass.models import BattlePassTier, Season
from cosmetics.catalog_import import CatalogInvalid, load_catalog
from cosmetics.models import Cosmetic
from tests.battlepass.factories import SeasonFactory

pytestmark = pytest.mark.django_db

DEMO = Path(settings.BASE_DIR) / "demo"


def _write(tmp_path, document) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document))
    return path


def _season(**overrides):
    return {
        "season_number": 7,
        "name": "Frostbite",
        "theme": "ice",
        "start_date": "2026-12-01T00:00:00Z",
        "end_date": "2027-02-28T00:00:00Z",
        "xp_per_tier": 500,
        "max_tier": 3,
        "premium_price": 800,
        "tiers": [
            {"tier_number": 1, "free_reward": {"type": "coins", "value": 50}},
            {
                "tier_number": 2,
                "free_reward": {"type": "xp", "value": 100},
                "premium_reward": {"type": "cosmetic", "value": "ice-skin"},
            },
        ],
        **overrides,
    }


ICE_SKIN = {"slug": "ice-skin", "name": "Ice Skin", "type": "skin", "rarity": "rare"}


def test_demo_catalog_and_season_load_a_30_tier_active_season():
    call_command("load_catalog", str(DEMO / "catalog.json"))
    call_command("load_catalog", str(DEMO / "season.json"))
    season = Season.objects.get(is_active=True)
    assert season.max_tier == 30
    assert BattlePassTier.objects.filter(season=season).count() == 30
    assert BattlePassTier.objects.filter(free_reward_type="cosmetic").count() >= 1
    assert season.challenges.count() == 4
    # Safe to run twice.
    call_command("load_catalog", str(DEMO / "season.json"))
    assert Season.objects.count() == 1 and BattlePassTier.objects.count() == 30


def test_season_with_a_cosmetic_created_by_the_same_file(tmp_path):
    old = SeasonFactory(is_active=True, season_number=1)
    path = _write(tmp_path, {"cosmetics": [ICE_SKIN], "seasons": [_season(is_active=True)]})
    summary = load_catalog(path)
    assert summary["seasons"] == {"created": 1, "updated": 0, "tiers": 2, "challenges": 0}
    season = Season.objects.get(season_number=7)
    assert season.is_active
    old.refresh_from_db()
    assert not old.is_active
    tier2 = BattlePassTier.objects.get(season=season, tier_number=2)
    assert tier2.premium_reward_cosmetic == Cosmetic.objects.get(slug="ice-skin")
    assert (tier2.free_reward_type, tier2.free_reward_value) == ("xp", "100")


def test_tiers_in_the_file_replace_the_season_tiers(tmp_path):
    load_catalog(_write(tmp_path, {"cosmetics": [ICE_SKIN], "seasons": [_season()]}))
    load_catalog(
        _write(
            tmp_path,
            {
                "seasons": [
                    {
                        "season_number": 7,
                        "name": "Frostbite II",
                        "tiers": [
                            {"tier_number": 3, "premium_reward": {"type": "coins", "value": 999}}
                        ],
                    }
                ]
            },
        )
    )
    season = Season.objects.get(season_number=7)
    assert season.name == "Frostbite II" and season.xp_per_tier == 500
    assert list(
        BattlePassTier.objects.filter(season=season).values_list("tier_number", flat=True)
    ) == [3]


def test_every_error_is_reported_and_nothing_changes(tmp_path):
    bad = _season(
        max_tier=2,
        tiers=[
            {"tier_number": 1, "free_reward": {"type": "coins", "value": 0}},
            {"tier_number": 2, "premium_reward": {"type": "cosmetic", "value": "nope"}},
            {"tier_number": 3, "free_reward": {"type": "gold", "value": 1}},
        ],
    )
    document = {
        "cosmetics": [ICE_SKIN],
        "seasons": [
            bad,
            _season(season_number=8, end_date="2026-11-01T00:00:00Z", bogus=1),
            _season(season_number=9, is_active=True, tiers=[]),
            _season(season_number=10, is_active=True, tiers=[]),
        ],
    }
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, document))
    locations = {error.location for error in caught.value.errors}
    assert {
        "seasons[0].tiers[0].free_reward.value",
        "seasons[0].tiers[2].free_reward.type",
        "seasons[1].bogus",
        "seasons[1].end_date",
        "seasons",
    } <= locations
    assert not Season.objects.exists() and not Cosmetic.objects.exists()


def test_unknown_cosmetic_is_reported_with_its_location(tmp_path):
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, {"seasons": [_season()]}))
    assert [str(e) for e in caught.value.errors] == [
        "seasons[0].tiers[1].premium_reward.value: No cosmetic 'ice-skin'."
    ]


def test_tier_above_max_and_duplicates(tmp_path):
    season = _season(
        max_tier=2,
        tiers=[
            {"tier_number": 1, "free_reward": {"type": "coins", "value": 5}},
            {"tier_number": 1, "free_reward": {"type": "coins", "value": 5}},
            {"tier_number": 4},
        ],
    )
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, {"seasons": [season, _season(max_tier=2, tiers=[])]}))
    assert {e.location for e in caught.value.errors} == {
        "seasons[0].tiers[1].tier_number",
        "seasons[0].tiers[2].tier_number",
        "seasons[1].season_number",
    }


def test_seed_demo_loads_the_demo_season_once():
    from io import StringIO

    call_command("seed_demo", stdout=StringIO())
    season = Season.objects.get(is_active=True)
    assert BattlePassTier.objects.filter(season=season).count() == 30
    call_command("seed_demo", "--force", stdout=StringIO())
    assert Season.objects.count() == 1


def test_challenges_are_upserted_by_code(tmp_path):
    from battlepass.models import SeasonChallenge

    challenge = {
        "code": "win-5",
        "name": "Win five",
        "metric": "wins",
        "target": 5,
        "xp_reward": 300,
    }
    document = {"cosmetics": [ICE_SKIN], "seasons": [_season(challenges=[challenge])]}
    assert load_catalog(_write(tmp_path, document))["seasons"]["challenges"] == 1
    document["seasons"][0]["challenges"] = [
        {**challenge, "target": 6},
        {**challenge, "code": "kills-50", "metric": "kills", "target": 50},
    ]
    load_catalog(_write(tmp_path, document))
    rows = {c.code: c for c in SeasonChallenge.objects.all()}
    assert set(rows) == {"win-5", "kills-50"} and rows["win-5"].target == 6


def test_bad_challenges_are_reported(tmp_path):
    challenges = [
        {"code": "a", "name": "A", "metric": "deaths", "target": 0, "xp_reward": 1},
        {"code": "b", "name": "B", "metric": "wins", "target": 1, "xp_reward": 1},
        {"code": "b", "name": "B", "metric": "wins", "target": 1, "xp_reward": 1},
    ]
    document = {"cosmetics": [ICE_SKIN], "seasons": [_season(challenges=challenges)]}
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, document))
    assert {e.location for e in caught.value.errors} == {
        "seasons[0].challenges[0].metric",
        "seasons[0].challenges[0].target",
    }
    challenges.pop(0)
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, document))
    assert {e.location for e in caught.value.errors} == {"seasons[0].challenges[1].code"}


@pytest.mark.parametrize("finished", [False, True])
def test_rank_rewards_of_an_ending_or_ended_season_cannot_change(tmp_path, finished):
    from django.utils import timezone

    from battlepass.models import SeasonEnd

    gold = [{"tier": "Gold", "rewards": [{"type": "coins", "value": "500"}]}]
    season = SeasonFactory(season_number=7, max_tier=3, rank_rewards=gold)
    SeasonEnd.objects.create(
        season=season,
        reset_factor=0.5,
        phase_started_at=timezone.now(),
        finished_at=timezone.now() if finished else None,
    )
    changed = [{"tier": "Gold", "rewards": [{"type": "coins", "value": 900}]}]
    document = {
        "seasons": [
            _season(rank_rewards=changed, tiers=[], name="Renamed"),
            _season(season_number=8, tiers=[], max_tier=0),
        ]
    }
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(_write(tmp_path, document))
    messages = [str(e) for e in caught.value.errors]
    state = "ended" if finished else "ending"
    assert f"seasons[0].rank_rewards: Season 7 is {state}: its rank rewards cannot change." in (
        messages
    )
    assert any(m.startswith("seasons[1].max_tier") for m in messages)  # every error listed
    season.refresh_from_db()
    assert (season.name, season.rank_rewards) != ("Renamed", changed)
    assert season.rank_rewards == gold and not Season.objects.filter(season_number=8).exists()

    # the same rewards repeated (value as a number) are not a change
    load_catalog(
        _write(
            tmp_path,
            {
                "seasons": [
                    _season(
                        rank_rewards=[
                            {"tier": "Gold", "rewards": [{"type": "coins", "value": 500}]}
                        ],
                        tiers=[],
                    )
                ]
            },
        )
    )
    season.refresh_from_db()
    assert season.name == "Frostbite"
