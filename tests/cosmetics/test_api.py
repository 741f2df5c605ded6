"""The shop, inventory, purchase, loadout and wallet endpoints (API.md's Cosmetics section)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cosmetics.models import Cosmetic, InventoryItem, Wallet
from tests.conftest import bearer_client
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db

SHOP = "/api/v1/cosmetics/"
FIXED_ID = "7b0e3c1e-3f7d-4c59-9d7e-2f6f0b7f6a11"
COSMETIC_FIELDS = {
    "id", "slug", "name", "description", "type", "rarity", "price_coins", "price_premium",
    "image_url", "preview_video_url", "event", "is_limited", "release_date", "available_from",
    "available_until", "owned_by_count", "is_active",
}  # fmt: skip


def _slugs(response):
    assert response.status_code == 200, response.json()
    return [c["slug"] for c in response.json()["results"]]


def _purchase(client, cosmetic, currency="coins", **headers):
    return client.post(f"{SHOP}{cosmetic.pk}/purchase/", {"currency": currency}, **headers)


# --- shop ---------------------------------------------------------------------------------------


def test_shop_lists_only_items_on_sale_now(api_client):
    now = timezone.now()
    CosmeticFactory(slug="on-sale")
    CosmeticFactory(slug="premium-only", price_coins=None, price_premium=10)
    CosmeticFactory(slug="inactive", is_active=False)
    CosmeticFactory(slug="upcoming", available_from=now + timedelta(days=1))
    CosmeticFactory(slug="expired", available_until=now - timedelta(seconds=1))
    CosmeticFactory(slug="reward-only", price_coins=None, price_premium=None)
    CosmeticFactory(
        slug="in-window", available_from=now - timedelta(days=1), available_until=now + timedelta(1)
    )
    response = api_client.get(SHOP)
    assert set(_slugs(response)) == {"on-sale", "premium-only", "in-window"}
    body = response.json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert set(body["results"][0]) == COSMETIC_FIELDS


def test_shop_filters(api_client):
    CosmeticFactory(slug="a", type="skin", rarity="epic", price_coins=900, event="halloween")
    CosmeticFactory(slug="b", type="emote", rarity="rare", price_coins=300, is_limited=True)
    CosmeticFactory(slug="c", type="emote", rarity="common", price_coins=100, name="Fire Dance")
    assert _slugs(api_client.get(SHOP, {"type": "emote", "ordering": "price"})) == ["c", "b"]
    assert _slugs(api_client.get(SHOP, {"rarity": "epic"})) == ["a"]
    assert _slugs(api_client.get(SHOP, {"event": "halloween"})) == ["a"]
    assert _slugs(api_client.get(SHOP, {"is_limited": "true"})) == ["b"]
    assert set(_slugs(api_client.get(SHOP, {"is_limited": "false"}))) == {"a", "c"}
    assert _slugs(api_client.get(SHOP, {"min_price": 200, "max_price": 500})) == ["b"]
    assert _slugs(api_client.get(SHOP, {"search": "fire"})) == ["c"]
    assert _slugs(api_client.get(SHOP, {"ordering": "-price"})) == ["a", "b", "c"]
    assert _slugs(api_client.get(SHOP, {"ordering": "-rarity"})) == ["a", "b", "c"]
    assert _slugs(api_client.get(SHOP, {"ordering": "rarity"})) == ["c", "b", "a"]


def test_list_filters_take_repeated_or_comma_separated_values_alike(api_client):
    CosmeticFactory(slug="a", type="skin", rarity="epic", price_coins=900)
    CosmeticFactory(slug="b", type="emote", rarity="rare", price_coins=300)
    CosmeticFactory(slug="c", type="trail", rarity="rare", price_coins=300, name="Zeta")
    CosmeticFactory(slug="d", type="trail", rarity="common", price_coins=300, name="Alpha")
    repeated = f"{SHOP}?type=emote&type=trail&ordering=-price&ordering=name"
    comma = f"{SHOP}?type=emote,trail&ordering=-price,name"
    assert _slugs(api_client.get(repeated)) == _slugs(api_client.get(comma)) == ["d", "b", "c"]
    assert _slugs(api_client.get(f"{SHOP}?rarity=rare&rarity=epic&ordering=price")) == [
        "b",
        "c",
        "a",
    ]
    response = api_client.get(f"{SHOP}?type=emote&type=hat")
    assert response.status_code == 400 and "type" in response.json()["error"]["details"]


@pytest.mark.parametrize("value", ["1.5", "1e3", "2147483648"])
def test_price_filters_take_whole_coin_amounts_only(api_client, value):
    response = api_client.get(SHOP, {"min_price": value})
    assert response.status_code == 400 and "min_price" in response.json()["error"]["details"]


def test_shop_default_order_is_newest_first_and_pages(api_client):
    now = timezone.now()
    for i in range(5):
        CosmeticFactory(slug=f"item-{i}", release_date=now - timedelta(days=i))
    first = api_client.get(SHOP, {"limit": 2})
    assert _slugs(first) == ["item-0", "item-1"]
    assert first.json()["count"] == 5 and "offset=2" in first.json()["next"]
    assert _slugs(api_client.get(SHOP, {"limit": 2, "offset": 4})) == ["item-4"]


def test_price_ordering_puts_items_without_coin_price_last(api_client):
    CosmeticFactory(slug="cheap", price_coins=10)
    CosmeticFactory(slug="premium", price_coins=None, price_premium=5)
    CosmeticFactory(slug="dear", price_coins=99)
    assert _slugs(api_client.get(SHOP, {"ordering": "price"})) == ["cheap", "dear", "premium"]
    assert _slugs(api_client.get(SHOP, {"ordering": "-price"})) == ["dear", "cheap", "premium"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "hat"}, "type"),
        ({"rarity": "mythic"}, "rarity"),
        ({"is_limited": "maybe"}, "is_limited"),
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "-5"}, "max_price"),
        ({"ordering": "colour"}, "ordering"),
        ({"limit": "-1"}, "limit"),
    ],
)
def test_unknown_filter_values_are_400_with_details(api_client, params, field):
    CosmeticFactory()
    response = api_client.get(SHOP, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and field in error["details"]


def test_detail(api_client):
    cosmetic = CosmeticFactory(price_coins=None, price_premium=None)  # reward-only: visible
    response = api_client.get(f"{SHOP}{cosmetic.pk}/")
    assert response.status_code == 200 and response.json()["slug"] == cosmetic.slug
    hidden = CosmeticFactory(is_active=False)
    for ident in (hidden.pk, uuid.uuid4(), "not-a-uuid"):
        response = api_client.get(f"{SHOP}{ident}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "COSMETIC_NOT_FOUND"


# --- purchase -----------------------------------------------------------------------------------


def test_purchase_returns_201_inventory_item(auth_client, user, fund):
    cosmetic = CosmeticFactory(price_coins=250)
    fund(user, coins=300)
    response = _purchase(auth_client, cosmetic)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"id", "cosmetic", "acquired_date", "is_equipped", "source"}
    assert body["cosmetic"]["id"] == str(cosmetic.pk) and body["cosmetic"]["owned_by_count"] == 1
    assert body["is_equipped"] is False and body["source"] == "purchase"
    assert auth_client.get("/api/v1/wallet/").json() == {"coins": 50, "premium": 0}


def test_purchase_errors(auth_client, user, fund):
    fund(user, coins=100)
    owned = CosmeticFactory(price_coins=10)
    assert _purchase(auth_client, owned).status_code == 201
    cases = [
        (_purchase(auth_client, owned), 409, "COSMETIC_ALREADY_OWNED"),
        (_purchase(auth_client, CosmeticFactory(is_active=False)), 404, "COSMETIC_NOT_FOUND"),
        (_purchase(auth_client, CosmeticFactory(), "premium"), 400, "VALIDATION_ERROR"),
        (_purchase(auth_client, CosmeticFactory(), "gems"), 400, "VALIDATION_ERROR"),
        (_purchase(auth_client, CosmeticFactory(price_coins=91)), 402, "COSMETIC_INSUFFICIENT_FUNDS"),
        (auth_client.post(f"{SHOP}{uuid.uuid4()}/purchase/", {"currency": "coins"}), 404, "COSMETIC_NOT_FOUND"),
    ]  # fmt: skip
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert Wallet.objects.get(user=user).coins == 90
    assert InventoryItem.objects.filter(user=user).count() == 1


def test_purchase_with_malformed_json_is_400(auth_client):
    cosmetic = CosmeticFactory()
    response = auth_client.post(
        f"{SHOP}{cosmetic.pk}/purchase/", "{bad", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "cosmetics/inventory/"),
        ("get", "cosmetics/loadout/"),
        ("post", "cosmetics/loadout/unequip/"),
        ("post", f"cosmetics/{FIXED_ID}/purchase/"),
        ("post", f"cosmetics/{FIXED_ID}/equip/"),
        ("get", "wallet/"),
        ("get", "wallet/transactions/"),
    ],
)
def test_auth_required(api_client, method, path):
    response = getattr(api_client, method)(f"/api/v1/{path}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_TOKEN_INVALID"


# --- inventory, loadout -------------------------------------------------------------------------


def test_inventory_lists_own_items_newest_first(auth_client, user, make_user):
    from cosmetics.services import inventory_grant

    older, newer = CosmeticFactory(), CosmeticFactory()
    inventory_grant(user=user, cosmetic=older, source="grant")
    inventory_grant(user=user, cosmetic=newer, source="battlepass")
    inventory_grant(user=make_user(), cosmetic=older, source="grant")
    body = auth_client.get("/api/v1/cosmetics/inventory/").json()
    assert body["count"] == 2
    assert [i["cosmetic"]["slug"] for i in body["results"]] == [newer.slug, older.slug]
    assert body["results"][0]["source"] == "battlepass"


def test_equip_and_unequip_flow(auth_client, user):
    from cosmetics.services import inventory_grant

    skin, trail, other_skin = (
        CosmeticFactory(type="skin"),
        CosmeticFactory(type="trail"),
        CosmeticFactory(type="skin"),
    )
    for c in (skin, trail, other_skin):
        inventory_grant(user=user, cosmetic=c, source="grant")
    empty = auth_client.get("/api/v1/cosmetics/loadout/").json()
    assert empty == {
        "user_id": str(user.pk),
        **{
            f"{t}_equipped": None
            for t in ("skin", "emote", "banner", "nameplate", "effect", "trail")
        },
    }
    auth_client.post(f"{SHOP}{skin.pk}/equip/")
    loadout = auth_client.post(f"{SHOP}{trail.pk}/equip/").json()
    assert loadout["user_id"] == str(user.pk)
    assert loadout["skin_equipped"]["id"] == str(skin.pk)
    assert loadout["trail_equipped"]["id"] == str(trail.pk)
    loadout = auth_client.post(f"{SHOP}{other_skin.pk}/equip/").json()
    assert loadout["skin_equipped"]["id"] == str(other_skin.pk)
    inventory = {
        i["cosmetic"]["id"]: i["is_equipped"]
        for i in auth_client.get("/api/v1/cosmetics/inventory/").json()["results"]
    }
    assert inventory == {str(skin.pk): False, str(trail.pk): True, str(other_skin.pk): True}
    response = auth_client.post("/api/v1/cosmetics/loadout/unequip/", {"slot": "trail"})
    assert response.status_code == 200 and response.json()["trail_equipped"] is None
    assert response.json()["skin_equipped"]["id"] == str(other_skin.pk)


def test_equip_errors(auth_client):
    not_owned = CosmeticFactory()
    response = auth_client.post(f"{SHOP}{not_owned.pk}/equip/")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "COSMETIC_NOT_OWNED")
    response = auth_client.post(f"{SHOP}{uuid.uuid4()}/equip/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "COSMETIC_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "message"),
    [({"slot": "hat"}, ""), ({"slot": "emote"}, "Nothing is equipped"), ({}, "")],
)
def test_unequip_errors(auth_client, body, message):
    response = auth_client.post("/api/v1/cosmetics/loadout/unequip/", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and "slot" in error["details"]
    assert message in error["message"]


# --- wallet -------------------------------------------------------------------------------------


def test_wallet_and_transactions(auth_client, user, fund, make_user):
    assert auth_client.get("/api/v1/wallet/").json() == {"coins": 0, "premium": 0}
    fund(user, coins=500, premium=20)
    fund(make_user(), coins=999)
    _purchase(auth_client, CosmeticFactory(price_coins=120))
    assert auth_client.get("/api/v1/wallet/").json() == {"coins": 380, "premium": 20}
    body = auth_client.get("/api/v1/wallet/transactions/").json()
    assert body["count"] == 3
    newest = body["results"][0]
    assert set(newest) == {
        "id",
        "currency",
        "amount",
        "balance_after",
        "reason",
        "reference",
        "created_at",
    }
    assert (newest["amount"], newest["balance_after"], newest["reason"]) == (-120, 380, "purchase")
    page = auth_client.get("/api/v1/wallet/transactions/", {"limit": 1, "offset": 1}).json()
    assert len(page["results"]) == 1 and page["next"] and page["previous"]


def test_other_users_token_sees_only_own_wallet(make_user, fund):
    rich, poor = make_user(), make_user()
    fund(rich, coins=1000)
    assert bearer_client(poor).get("/api/v1/wallet/").json() == {"coins": 0, "premium": 0}
    assert bearer_client(poor).get("/api/v1/wallet/transactions/").json()["count"] == 0


def test_schema_documents_the_cosmetics_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/cosmetics/",
        "/api/v1/cosmetics/{id}/purchase/",
        "/api/v1/cosmetics/loadout/unequip/",
        "/api/v1/wallet/transactions/",
    ):
        assert path in paths
    components = schema["components"]["schemas"]
    assert set(components["Cosmetic"]["properties"]) == COSMETIC_FIELDS
    assert set(components["Loadout"]["properties"]) == {
        "user_id",
        *(f"{t}_equipped" for t in ("skin", "emote", "banner", "nameplate", "effect", "trail")),
    }
    purchase = paths["/api/v1/cosmetics/{id}/purchase/"]["post"]
    assert {"201", "402", "404", "409", "422"} <= set(purchase["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in purchase["parameters"])
    params = {p["name"] for p in paths["/api/v1/cosmetics/"]["get"]["parameters"]}
    assert {
        "type",
        "rarity",
        "event",
        "is_limited",
        "min_price",
        "max_price",
        "search",
        "ordering",
    } <= params


def test_cosmetic_model_count_unchanged_by_reads(api_client):
    CosmeticFactory()
    api_client.get(SHOP)
    assert Cosmetic.objects.get().owned_by_count == 0


@pytest.mark.parametrize("field", ["search", "event"])
def test_nul_bytes_in_text_filters_are_400_not_500(api_client, field):
    response = api_client.get(SHOP, {field: "a\x00b"})
    assert response.status_code == 400 and field in response.json()["error"]["details"]
