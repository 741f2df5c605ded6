"""Live-ops admin: catalog filters/search/preview/bulk actions, read-only wallets and ledger,
and the grant-currency action through the wallet service."""

import pytest
from django.test import Client

from cosmetics.models import Cosmetic, Wallet, WalletEntry
from cosmetics.services import wallet_change
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def test_catalog_changelist_with_filters_search_and_preview(admin_client):
    CosmeticFactory(name="Neon Striker", type="skin", rarity="epic", event="halloween")
    CosmeticFactory(name="Smoke Trail", type="trail")
    response = admin_client.get("/admin/cosmetics/cosmetic/", {"q": "neon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Neon Striker" in html and "Smoke Trail" not in html
    assert '<img src="https://assets.example.com/' in html
    for params in ({"type__exact": "trail"}, {"rarity__exact": "epic"}, {"event": "halloween"}):
        assert admin_client.get("/admin/cosmetics/cosmetic/", params).status_code == 200


def test_bulk_deactivate_and_activate(admin_client):
    items = [CosmeticFactory(), CosmeticFactory()]
    ids = [str(c.pk) for c in items]
    response = admin_client.post(
        "/admin/cosmetics/cosmetic/", {"action": "deactivate", "_selected_action": ids}
    )
    assert response.status_code == 302
    assert not Cosmetic.objects.filter(is_active=True).exists()
    admin_client.post("/admin/cosmetics/cosmetic/", {"action": "activate", "_selected_action": ids})
    assert Cosmetic.objects.filter(is_active=True).count() == 2


def test_cosmetic_add_form_creates_item(admin_client):
    response = admin_client.post(
        "/admin/cosmetics/cosmetic/add/",
        {
            "slug": "gold-plate",
            "name": "Gold Plate",
            "type": "nameplate",
            "rarity": "rare",
            "price_coins": "800",
            "release_date_0": "2026-05-05",
            "release_date_1": "00:00:00",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Cosmetic.objects.get(slug="gold-plate").price_coins == 800


def test_wallets_and_ledger_are_read_only(admin_client, user):
    wallet_change(user=user, currency="coins", amount=10, reason="seed")
    wallet = Wallet.objects.get(user=user)
    entry = WalletEntry.objects.get()
    assert admin_client.get("/admin/cosmetics/wallet/").status_code == 200
    assert admin_client.get("/admin/cosmetics/walletentry/").status_code == 200
    assert admin_client.get(f"/admin/cosmetics/wallet/{wallet.pk}/change/").status_code == 200
    assert admin_client.get("/admin/cosmetics/wallet/add/").status_code == 403
    assert admin_client.get(f"/admin/cosmetics/walletentry/{entry.pk}/delete/").status_code == 403
    response = admin_client.post(
        f"/admin/cosmetics/wallet/{wallet.pk}/change/", {"coins": "999999", "premium": "0"}
    )
    assert response.status_code == 403
    assert Wallet.objects.get(pk=wallet.pk).coins == 10


def test_grant_currency_action_goes_through_the_wallet_service(admin_client, make_user):
    alice, bob = make_user(), make_user()
    for u in (alice, bob):
        wallet_change(user=u, currency="coins", amount=5, reason="seed")
    ids = [str(alice.pk), str(bob.pk)]
    form = admin_client.post(
        "/admin/cosmetics/wallet/", {"action": "grant_currency", "_selected_action": ids}
    )
    assert form.status_code == 200 and "Grant currency" in form.content.decode()
    response = admin_client.post(
        "/admin/cosmetics/wallet/",
        {
            "action": "grant_currency",
            "_selected_action": ids,
            "apply": "1",
            "currency": "premium",
            "amount": "40",
            "reason": "compensation",
        },
    )
    assert response.status_code == 302
    assert set(Wallet.objects.values_list("premium", flat=True)) == {40}
    assert WalletEntry.objects.filter(reason="compensation", amount=40).count() == 2


def test_grant_currency_action_refuses_negative_result_for_everyone(admin_client, make_user):
    rich, poor = make_user(), make_user()
    wallet_change(user=rich, currency="coins", amount=100, reason="seed")
    wallet_change(user=poor, currency="coins", amount=5, reason="seed")
    response = admin_client.post(
        "/admin/cosmetics/wallet/",
        {
            "action": "grant_currency",
            "_selected_action": [str(rich.pk), str(poor.pk)],
            "apply": "1",
            "currency": "coins",
            "amount": "-10",
            "reason": "correction",
        },
        follow=True,
    )
    assert "Refused, nothing changed" in response.content.decode()
    assert sorted(Wallet.objects.values_list("coins", flat=True)) == [5, 100]
    assert not WalletEntry.objects.filter(reason="correction").exists()
