"""Hypothesis properties: type/rarity validation (6), inventory growth (7), cache freshness (13)."""

from datetime import timedelta

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cosmetics.catalog_import import validate_cosmetics
from cosmetics.models import Cosmetic, CosmeticType, InventoryItem, Rarity, Wallet
from cosmetics.services import catalog_changed, cosmetic_purchase, wallet_change
from tests.conftest import bearer_client
from tests.cosmetics.factories import CosmeticFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TYPES, RARITIES = CosmeticType.values, Rarity.values
label = st.one_of(
    st.sampled_from(TYPES + RARITIES),
    st.text(min_size=0, max_size=12),
    st.sampled_from(["Skin", "SKIN", " skin", "mythic", "hat", "Legendary", ""]),
)


# --- Property 6: a cosmetic's type and rarity are always one of the allowed values -------------


@given(type_=label, rarity=label, slug=st.text(max_size=10))
def test_property_6_type_and_rarity_validated_by_import_and_database(type_, rarity, slug):
    valid = type_ in TYPES and rarity in RARITIES
    # Any slug, even a malformed one, is reported as an error, never a crash.
    slug_errors, _ = validate_cosmetics([{"slug": slug, "name": "P6"}], document={})
    assert slug_errors
    entry = {"slug": "p6-item", "name": "P6", "type": type_, "rarity": rarity, "price_coins": 5}
    errors, _cleaned = validate_cosmetics([entry], document={})
    assert (not errors) == valid
    if not valid:
        bad = {e.location for e in errors}
        assert ("cosmetics[0].type" in bad) == (type_ not in TYPES)
        assert ("cosmetics[0].rarity" in bad) == (rarity not in RARITIES)
    # The database is the real guard: it refuses what the validator refuses.
    try:
        with transaction.atomic():
            Cosmetic.objects.create(slug="p6-db", name="P6", type=type_, rarity=rarity)
            stored = True
            transaction.set_rollback(True)
    except (IntegrityError, DataError):  # check constraint; NUL bytes are refused outright
        stored = False
    assert stored == valid


# --- Property 7: every purchase adds exactly one inventory row, acquired now --------------------


@settings(max_examples=20)
@given(prices=st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=6))
def test_property_7_inventory_grows_by_exactly_one_per_purchase(prices):
    user = UserFactory()
    wallet_change(user=user, currency="coins", amount=sum(prices) + 1, reason="test_grant")
    items = [CosmeticFactory(price_coins=price) for price in prices]
    for count, item in enumerate(items, start=1):
        before = timezone.now()
        bought = cosmetic_purchase(user=user, cosmetic_id=item.pk, currency="coins")
        after = timezone.now()
        assert InventoryItem.objects.filter(user=user).count() == count
        assert before - timedelta(seconds=1) <= bought.acquired_date <= after
        item.refresh_from_db()
        assert item.owned_by_count == 1
    assert Wallet.objects.get(user=user).coins == 1


# --- Property 13: after a purchase or an equip, the next read is fresh (not the cached page) ----


@settings(max_examples=10)
@given(
    types=st.lists(st.sampled_from(TYPES), min_size=1, max_size=3),
    equip_index=st.integers(min_value=0, max_value=2),
)
def test_property_13_cache_invalidated_after_purchase_and_equip(
    types, equip_index, django_capture_on_commit_callbacks
):
    def commit(action):
        """Run a write as a request does: its after-commit invalidation runs too."""
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    def shop():
        body = client.get("/api/v1/cosmetics/", {"event": event}).json()
        return {c["id"]: c for c in body["results"]}

    def equipped():
        items = client.get("/api/v1/cosmetics/inventory/").json()["results"]
        return {i["cosmetic"]["id"] for i in items if i["is_equipped"]}

    user = UserFactory()
    event = f"p13-{user.pk}"  # this example's items only (the transaction spans examples)
    client = bearer_client(user)
    wallet_change(user=user, currency="coins", amount=10_000, reason="test_grant")
    items = commit(lambda: [CosmeticFactory(type=t, price_coins=10, event=event) for t in types])
    commit(catalog_changed)  # as the admin and load_catalog do after an edit
    for n, item in enumerate(items, start=1):
        client.get("/api/v1/cosmetics/inventory/")  # warm both caches
        assert shop()[str(item.pk)]["owned_by_count"] == 0
        response = commit(
            lambda item=item: client.post(
                f"/api/v1/cosmetics/{item.pk}/purchase/", {"currency": "coins"}
            )
        )
        assert response.status_code == 201
        assert client.get("/api/v1/cosmetics/inventory/").json()["count"] == n
        assert shop()[str(item.pk)]["owned_by_count"] == 1
    target = items[equip_index % len(items)]
    assert equipped() == set()
    commit(lambda: client.post(f"/api/v1/cosmetics/{target.pk}/equip/"))
    assert str(target.pk) in equipped()
    commit(lambda: client.post("/api/v1/cosmetics/loadout/unequip/", {"slot": target.type}))
    assert str(target.pk) not in equipped()
