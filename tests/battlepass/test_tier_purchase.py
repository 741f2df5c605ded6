"""POST battlepass/tiers/purchase/: n x tier_price premium currency through the wallet ledger;
every refusal charges nothing; 20 concurrent purchases cannot overspend."""

import threading

import pytest
from django.db import connection

from battlepass.models import PlayerSeasonProgress
from battlepass.services import battlepass_tiers_purchase, xp_award
from cosmetics.errors import InsufficientFunds
from cosmetics.models import Wallet, WalletEntry
from cosmetics.services import wallet_change
from events.models import OutboxEvent
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.factories import UserFactory

URL = "/api/v1/battlepass/tiers/purchase/"


def _code(response):
    return response.json()["error"]["code"]


def _premium(user) -> int:
    wallet = Wallet.objects.filter(user=user).first()
    return wallet.premium if wallet else 0


@pytest.fixture
def season(db):
    return SeasonFactory(xp_per_tier=1000, max_tier=10, tier_price=150)


@pytest.mark.django_db
def test_buying_tiers_debits_and_raises_the_tier(auth_client, user, season):
    coin_tiers(season, 3, free=100, premium=None)
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    xp_award(user=user, amount=1500, source="admin")

    response = auth_client.post(URL, {"tiers": 2}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["current_tier"], body["purchased_tiers"], body["current_xp"]) == (3, 2, 1500)
    assert body["xp_to_next_tier"] == 500  # the XP's own next tier (2000 XP)
    assert body["claimable_rewards"] == [{"tier": t, "track": "free"} for t in (1, 2, 3)]
    assert _premium(user) == 700
    entry = WalletEntry.objects.get(wallet__user=user, reason="battlepass_tiers")
    assert (entry.amount, entry.balance_after) == (-300, 700)
    earned = OutboxEvent.objects.filter(event_type="battlepass.reward_earned")
    assert sorted(e.envelope["data"]["tier_reached"] for e in earned) == [1, 2, 3]


@pytest.mark.django_db
def test_xp_after_a_purchase_keeps_the_bought_tiers(user, season):
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    battlepass_tiers_purchase(user=user, tiers=3)
    xp_award(user=user, amount=2000, source="admin")
    progress = PlayerSeasonProgress.objects.get(user=user, season=season)
    assert (progress.current_tier, progress.purchased_tiers) == (5, 3)
    xp_award(user=user, amount=50_000, source="admin")
    progress.refresh_from_db()
    assert progress.current_tier == 10  # capped at max_tier


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"tiers": 0},
        {"tiers": -1},
        {"tiers": 1.5},
        {"tiers": "2"},
        {"tiers": True},
        {},
        {"tiers": None},
    ],
)
def test_invalid_counts_are_refused_and_charge_nothing(auth_client, user, season, body):
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    response = auth_client.post(URL, body, format="json")
    assert response.status_code == 400 and _code(response) == "VALIDATION_ERROR"
    assert "tiers" in response.json()["error"]["details"]
    assert _premium(user) == 1000
    assert not PlayerSeasonProgress.objects.filter(user=user, purchased_tiers__gt=0).exists()


@pytest.mark.django_db
def test_past_max_tier_is_refused(auth_client, user, season):
    wallet_change(user=user, currency="premium", amount=5000, reason="test top-up")
    xp_award(user=user, amount=8000, source="admin")  # tier 8 of 10
    response = auth_client.post(URL, {"tiers": 3}, format="json")
    assert response.status_code == 400 and _code(response) == "VALIDATION_ERROR"
    assert "at most 2" in response.json()["error"]["message"]
    assert _premium(user) == 5000
    assert auth_client.post(URL, {"tiers": 2}, format="json").status_code == 200
    response = auth_client.post(URL, {"tiers": 1}, format="json")
    assert response.status_code == 400 and _code(response) == "VALIDATION_ERROR"
    assert _premium(user) == 4700


@pytest.mark.django_db
def test_not_for_sale_and_inactive_and_auth(api_client, auth_client, user):
    season = SeasonFactory(tier_price=None)
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    response = auth_client.post(URL, {"tiers": 1}, format="json")
    assert response.status_code == 400 and _code(response) == "BATTLEPASS_TIERS_NOT_FOR_SALE"
    season.is_active = False
    season.save()
    response = auth_client.post(URL, {"tiers": 1}, format="json")
    assert response.status_code == 400 and _code(response) == "BATTLEPASS_SEASON_INACTIVE"
    assert api_client.post(URL, {"tiers": 1}, format="json").status_code == 401
    assert _premium(user) == 1000


@pytest.mark.django_db
def test_insufficient_funds_is_402_and_changes_nothing(auth_client, user, season):
    wallet_change(user=user, currency="premium", amount=200, reason="test top-up")
    response = auth_client.post(URL, {"tiers": 2}, format="json")
    assert response.status_code == 402 and _code(response) == "COSMETIC_INSUFFICIENT_FUNDS"
    assert _premium(user) == 200
    assert WalletEntry.objects.filter(wallet__user=user).count() == 1
    assert not PlayerSeasonProgress.objects.filter(user=user, purchased_tiers__gt=0).exists()
    assert not OutboxEvent.objects.filter(event_type="battlepass.reward_earned").exists()


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_purchases_cannot_overspend():
    """Balance for 7 tiers, 20 buyers of one tier each: exactly 7 succeed, the rest get 402."""
    user = UserFactory()
    SeasonFactory(xp_per_tier=1000, max_tier=50, tier_price=100)
    wallet_change(user=user, currency="premium", amount=700, reason="test top-up")
    barrier = threading.Barrier(20)
    outcomes, lock = [], threading.Lock()

    def buy():
        try:
            barrier.wait()
            result = battlepass_tiers_purchase(user=user, tiers=1)
        except Exception as exc:  # recorded and asserted on below
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(isinstance(o, PlayerSeasonProgress) for o in outcomes) == 7
    assert all(isinstance(o, InsufficientFunds) for o in outcomes if isinstance(o, Exception))
    assert _premium(user) == 0
    assert WalletEntry.objects.filter(wallet__user=user, reason="battlepass_tiers").count() == 7
    progress = PlayerSeasonProgress.objects.get(user=user)
    assert (progress.purchased_tiers, progress.current_tier) == (7, 7)


@pytest.mark.django_db
def test_pass_and_season_show_the_price_and_the_callers_purchased_tiers(
    auth_client, api_client, user, season
):
    wallet_change(user=user, currency="premium", amount=1000, reason="test top-up")
    body = auth_client.post(URL, {"tiers": 2}, format="json").json()
    assert (body["tier_price"], body["purchased_tiers"]) == (150, 2)
    assert (body["season"]["tier_price"], body["season"]["purchased_tiers"]) == (150, 2)

    mine = auth_client.get("/api/v1/battlepass/season/").json()
    assert (mine["tier_price"], mine["purchased_tiers"]) == (150, 2)
    anonymous = api_client.get("/api/v1/battlepass/season/").json()
    assert (anonymous["tier_price"], anonymous["purchased_tiers"]) == (150, None)
    other = UserFactory()
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/battlepass/season/").json()["purchased_tiers"] == 0
