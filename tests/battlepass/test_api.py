"""The battle pass endpoints and every error code of the section."""

import pytest

from battlepass.models import RewardClaim
from battlepass.services import xp_award
from cosmetics.models import Cosmetic, InventoryItem, Wallet, WalletEntry
from cosmetics.serializers import CosmeticSerializer
from cosmetics.services import wallet_change
from events.models import OutboxEvent
from tests.battlepass.factories import SeasonFactory, TierFactory, coin_tiers

pytestmark = pytest.mark.django_db


def _code(response):
    return response.json()["error"]["code"]


@pytest.fixture
def season():
    return SeasonFactory(xp_per_tier=1000, max_tier=10, premium_price=500)


@pytest.fixture
def skin(db):
    return Cosmetic.objects.create(
        slug="neon-skin", name="Neon Skin", type="skin", rarity="epic", price_coins=800
    )


def _balance(user, currency="coins"):
    wallet = Wallet.objects.filter(user=user).first()
    return getattr(wallet, currency) if wallet else 0


def test_season_endpoint(api_client, season):
    body = api_client.get("/api/v1/battlepass/season/").json()
    assert body == {
        "id": str(season.pk),
        "season_number": season.season_number,
        "name": season.name,
        "theme": "neon",
        "start_date": body["start_date"],
        "end_date": body["end_date"],
        "xp_per_tier": 1000,
        "max_tier": 10,
        "premium_price": 500,
        "is_active": True,
        "tier_price": None,
        "purchased_tiers": None,  # anonymous caller
        "state": "active",
    }
    assert body["start_date"].endswith("Z")


def test_no_active_season(api_client, auth_client):
    SeasonFactory(is_active=False)
    for client, path in [
        (api_client, "/api/v1/battlepass/season/"),
        (auth_client, "/api/v1/battlepass/progress/"),
    ]:
        response = client.get(path)
        assert response.status_code == 400 and _code(response) == "BATTLEPASS_SEASON_INACTIVE"
    for path, body in [
        ("/api/v1/battlepass/claim/", {"tier": 1}),
        ("/api/v1/battlepass/premium/", {}),
    ]:
        response = auth_client.post(path, body)
        assert response.status_code == 400 and _code(response) == "BATTLEPASS_SEASON_INACTIVE"


def test_tiers_list_every_tier_with_rewards(api_client, season, skin):
    TierFactory(season=season, tier_number=1, free_reward_type="coins", free_reward_value="100")
    TierFactory(
        season=season,
        tier_number=2,
        free_reward_type="",
        free_reward_value="",
        premium_reward_type="cosmetic",
        premium_reward_value="neon-skin",
    )
    TierFactory(season=season, tier_number=3, free_reward_type="xp", free_reward_value="250")
    body = api_client.get(f"/api/v1/battlepass/seasons/{season.pk}/tiers/").json()
    assert len(body) == 10
    assert body[0] == {
        "tier_number": 1,
        "free_reward": {"type": "coins", "value": 100, "cosmetic": None},
        "premium_reward": None,
    }
    assert body[1]["premium_reward"] == {
        "type": "cosmetic",
        "value": "neon-skin",
        "cosmetic": CosmeticSerializer(skin).data,
    }
    assert set(body[1]["premium_reward"]["cosmetic"]) >= {
        "id", "name", "type", "rarity", "description", "image_url", "preview_video_url",
        "price_coins", "price_premium", "release_date", "event", "is_limited", "owned_by_count",
    }  # fmt: skip
    assert body[2]["free_reward"] == {"type": "xp", "value": 250, "cosmetic": None}
    assert body[9] == {"tier_number": 10, "free_reward": None, "premium_reward": None}


def test_tiers_of_unknown_season_is_404(api_client):
    response = api_client.get(
        "/api/v1/battlepass/seasons/00000000-0000-0000-0000-000000000000/tiers/"
    )
    assert response.status_code == 404 and _code(response) == "NOT_FOUND"


def test_progress_needs_auth(api_client, season):
    response = api_client.get("/api/v1/battlepass/progress/")
    assert response.status_code == 401


def test_progress_of_a_new_player_and_after_xp(auth_client, user, season):
    coin_tiers(season, 3)
    body = auth_client.get("/api/v1/battlepass/progress/").json()
    assert body["season"]["id"] == str(season.pk)
    assert {k: v for k, v in body.items() if k != "season"} == {
        "user_id": str(user.pk),
        "current_tier": 0,
        "current_xp": 0,
        "xp_to_next_tier": 1000,
        "is_premium": False,
        "purchased_tiers": 0,
        "tier_price": None,
        "claimed_rewards": [],
        "claimable_rewards": [],
    }
    xp_award(user=user, amount=2300, source="match", match_id="m")
    body = auth_client.get("/api/v1/battlepass/progress/").json()
    assert (body["current_tier"], body["current_xp"], body["xp_to_next_tier"]) == (2, 2300, 700)
    assert body["claimable_rewards"] == [{"tier": 1, "track": "free"}, {"tier": 2, "track": "free"}]


def test_xp_to_next_tier_is_zero_at_max_tier(auth_client, user, season):
    xp_award(user=user, amount=50_000, source="admin")
    body = auth_client.get("/api/v1/battlepass/progress/").json()
    assert (body["current_tier"], body["xp_to_next_tier"]) == (10, 0)


def test_claim_free_coins_then_premium_after_buying(auth_client, user, season):
    coin_tiers(season, 2, free=100, premium=300)
    xp_award(user=user, amount=1000, source="match", match_id="m")
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1, "track": "free"})
    assert response.status_code == 200
    body = response.json()
    assert body["tier"] == 1 and body["granted"] == [
        {"type": "coins", "value": 100, "cosmetic": None}
    ]
    assert body["progress"]["claimed_rewards"] == [{"tier": 1, "track": "free"}]
    assert body["progress"]["claimable_rewards"] == []
    assert _balance(user) == 100

    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1, "track": "premium"})
    assert response.status_code == 403 and _code(response) == "BATTLEPASS_PREMIUM_REQUIRED"
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1})
    assert response.status_code == 403 and _code(response) == "BATTLEPASS_PREMIUM_REQUIRED"

    wallet_change(user=user, currency="premium", amount=600, reason="test top-up")
    response = auth_client.post("/api/v1/battlepass/premium/")
    assert response.status_code == 200
    assert response.json()["is_premium"] is True
    assert response.json()["claimable_rewards"] == [{"tier": 1, "track": "premium"}]
    assert _balance(user, "premium") == 100

    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1})
    assert response.json()["granted"] == [{"type": "coins", "value": 300, "cosmetic": None}]
    assert _balance(user) == 400
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1})
    assert response.status_code == 409 and _code(response) == "BATTLEPASS_ALREADY_CLAIMED"
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1, "track": "free"})
    assert response.status_code == 409 and _code(response) == "BATTLEPASS_ALREADY_CLAIMED"


def test_claim_without_track_takes_both_for_premium_players(auth_client, user, season):
    coin_tiers(season, 1, free=100, premium=300)
    wallet_change(user=user, currency="premium", amount=500, reason="test top-up")
    auth_client.post("/api/v1/battlepass/premium/")
    xp_award(user=user, amount=1000, source="match", match_id="m")
    body = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1}).json()
    assert body["granted"] == [
        {"type": "coins", "value": 100, "cosmetic": None},
        {"type": "coins", "value": 300, "cosmetic": None},
    ]
    assert _balance(user) == 400
    assert RewardClaim.objects.filter(user=user).count() == 2


def test_tier_not_reached_and_bad_input(auth_client, user, season):
    coin_tiers(season, 3)
    xp_award(user=user, amount=1500, source="match", match_id="m")
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 2})
    assert response.status_code == 400 and _code(response) == "BATTLEPASS_TIER_NOT_REACHED"
    for body in [{"tier": 0}, {"tier": "x"}, {}, {"tier": 1, "track": "gold"}, {"tier": 11}]:
        response = auth_client.post("/api/v1/battlepass/claim/", body)
        assert response.status_code == 400 and _code(response) == "VALIDATION_ERROR", body
    assert not RewardClaim.objects.exists()


def test_claim_of_a_track_without_reward_is_404(auth_client, user, season):
    coin_tiers(season, 1, premium=None)
    xp_award(user=user, amount=1000, source="match", match_id="m")
    response = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1, "track": "premium"})
    assert response.status_code == 404


def test_premium_insufficient_funds_and_twice(auth_client, user, season):
    wallet_change(user=user, currency="premium", amount=499, reason="test top-up")
    response = auth_client.post("/api/v1/battlepass/premium/")
    assert response.status_code == 402 and _code(response) == "COSMETIC_INSUFFICIENT_FUNDS"
    assert _balance(user, "premium") == 499
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    assert auth_client.post("/api/v1/battlepass/premium/").status_code == 200
    response = auth_client.post("/api/v1/battlepass/premium/")
    assert response.status_code == 409 and _code(response) == "BATTLEPASS_ALREADY_PREMIUM"
    assert _balance(user, "premium") == 999
    debits = WalletEntry.objects.filter(wallet__user=user, reason="battlepass_premium")
    assert [e.amount for e in debits] == [-500]


def test_cosmetic_reward_goes_to_inventory_then_converts_to_coins(auth_client, user, season, skin):
    TierFactory(
        season=season, tier_number=1, free_reward_type="cosmetic", free_reward_value="neon-skin"
    )
    xp_award(user=user, amount=1000, source="match", match_id="m")
    body = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1}).json()
    assert body["granted"][0]["type"] == "cosmetic"
    assert body["granted"][0]["cosmetic"]["slug"] == "neon-skin"
    assert InventoryItem.objects.filter(user=user, cosmetic=skin).count() == 1

    other_season = SeasonFactory(is_active=False, max_tier=5)
    TierFactory(
        season=other_season,
        tier_number=1,
        free_reward_type="cosmetic",
        free_reward_value="neon-skin",
    )
    from battlepass.services import season_activate

    season_activate(season=other_season)
    xp_award(user=user, amount=1000, source="match", match_id="m2")
    body = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1}).json()
    assert body["granted"] == [{"type": "coins", "value": 800, "cosmetic": None}]
    assert _balance(user) == 800
    claim = RewardClaim.objects.get(season=other_season)
    assert (claim.reward_type, claim.granted_type, claim.granted_value) == (
        "cosmetic",
        "coins",
        "800",
    )
    assert InventoryItem.objects.filter(user=user, cosmetic=skin).count() == 1


def test_xp_reward_goes_through_award_xp(auth_client, user, season):
    TierFactory(season=season, tier_number=1, free_reward_type="xp", free_reward_value="1000")
    xp_award(user=user, amount=1000, source="match", match_id="m")
    body = auth_client.post("/api/v1/battlepass/claim/", {"tier": 1}).json()
    assert body["granted"] == [{"type": "xp", "value": 1000, "cosmetic": None}]
    assert body["progress"]["current_tier"] == 2 and body["progress"]["current_xp"] == 2000
    user.profile.refresh_from_db()
    assert user.profile.total_xp == 2000
    assert OutboxEvent.objects.filter(event_type="player.levelup").count() == 2
