"""Wallet, ledger, inventory and loadout services."""

import pytest
from django.db import IntegrityError, transaction

from core.errors import ApplicationError
from cosmetics import services
from cosmetics.models import Cosmetic, InventoryItem, Loadout, Wallet, WalletEntry
from events.models import OutboxEvent
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db


def _ledger_sum(user, currency):
    return sum(e.amount for e in WalletEntry.objects.filter(wallet__user=user, currency=currency))


def test_wallet_change_creates_wallet_and_ledger_row(user):
    entry = services.wallet_change(
        user=user, currency="coins", amount=500, reason="grant", reference="T-1"
    )
    wallet = Wallet.objects.get(user=user)
    assert (wallet.coins, wallet.premium) == (500, 0)
    assert (entry.amount, entry.balance_after, entry.reason, entry.reference) == (
        500,
        500,
        "grant",
        "T-1",
    )


def test_wallet_change_refuses_negative_result_and_changes_nothing(user, fund):
    fund(user, coins=100)
    with pytest.raises(ApplicationError) as exc:
        services.wallet_change(user=user, currency="coins", amount=-101, reason="purchase")
    assert exc.value.code == "COSMETIC_INSUFFICIENT_FUNDS" and exc.value.status == 402
    assert Wallet.objects.get(user=user).coins == 100
    assert WalletEntry.objects.filter(wallet__user=user).count() == 1


@pytest.mark.parametrize(
    ("currency", "amount", "reason"),
    [
        ("gold", 5, "x"),
        ("coins", 0, "x"),
        ("coins", 1.5, "x"),
        ("coins", True, "x"),
        ("coins", 5, " "),
    ],
)
def test_wallet_change_rejects_bad_arguments(user, currency, amount, reason):
    with pytest.raises(ApplicationError) as exc:
        services.wallet_change(user=user, currency=currency, amount=amount, reason=reason)
    assert exc.value.code == "VALIDATION_ERROR"
    assert not WalletEntry.objects.exists()


def test_ledger_sum_equals_balance_after_mixed_changes(user):
    for amount in (1000, -300, 250, -950):
        services.wallet_change(user=user, currency="premium", amount=amount, reason="t")
    assert Wallet.objects.get(user=user).premium == _ledger_sum(user, "premium") == 0


def test_ledger_rows_cannot_be_updated_or_deleted(user, fund):
    fund(user, coins=10)
    entry = WalletEntry.objects.get()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        WalletEntry.objects.all().update(amount=5)
    with pytest.raises(TypeError):
        WalletEntry.objects.all().delete()


def test_database_trigger_refuses_ledger_update_and_delete(user, fund):
    fund(user, coins=10)
    from django.db import connection

    for sql in (
        "UPDATE cosmetics_walletentry SET amount = 99",
        "DELETE FROM cosmetics_walletentry",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert WalletEntry.objects.get().amount == 10


def test_database_refuses_negative_balance(user, fund):
    fund(user, coins=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(user=user).update(coins=-1)


def test_inventory_grant_adds_once_and_counts(user):
    cosmetic = CosmeticFactory(price_coins=None)
    assert services.inventory_grant(user=user, cosmetic=cosmetic, source="battlepass") is True
    assert services.inventory_grant(user=user, cosmetic=cosmetic, source="battlepass") is False
    item = InventoryItem.objects.get(user=user)
    assert item.source == "battlepass" and not item.is_equipped
    cosmetic.refresh_from_db()
    assert cosmetic.owned_by_count == 1
    assert not WalletEntry.objects.exists()


def test_purchase_with_premium_debits_premium_only(user, fund):
    cosmetic = CosmeticFactory(price_coins=300, price_premium=50, type="emote")
    fund(user, coins=1000, premium=60)
    item = services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="premium")
    assert item.cosmetic == cosmetic and item.source == "purchase"
    wallet = Wallet.objects.get(user=user)
    assert (wallet.coins, wallet.premium) == (1000, 10)


def test_purchase_with_coins_full_effects(user, fund):
    cosmetic = CosmeticFactory(price_coins=300, type="emote")
    fund(user, coins=1000)
    item = services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    wallet = Wallet.objects.get(user=user)
    assert wallet.coins == 700 == _ledger_sum(user, "coins")
    debit = WalletEntry.objects.filter(amount__lt=0).get()
    assert (debit.amount, debit.balance_after, debit.reason) == (-300, 700, "purchase")
    assert debit.reference == f"cosmetic:{cosmetic.slug}"
    cosmetic.refresh_from_db()
    assert cosmetic.owned_by_count == 1 == InventoryItem.objects.filter(cosmetic=cosmetic).count()
    assert item.user == user
    event = OutboxEvent.objects.get(event_type="player.cosmetic_purchased")
    assert event.envelope["data"] == {
        "user_id": str(user.pk),
        "cosmetic_id": str(cosmetic.pk),
        "cosmetic_type": "emote",
        "price_paid": 300,
        "currency": "coins",
    }


def test_failed_purchase_leaves_no_event_and_no_change(user, fund):
    cosmetic = CosmeticFactory(price_coins=300)
    fund(user, coins=299)
    with pytest.raises(ApplicationError) as exc:
        services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    assert exc.value.status == 402
    assert not OutboxEvent.objects.exists()
    assert not InventoryItem.objects.exists()
    assert Wallet.objects.get(user=user).coins == 299


def test_free_item_purchase_writes_no_ledger_row(user):
    cosmetic = CosmeticFactory(price_coins=0)
    services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    assert InventoryItem.objects.filter(user=user).count() == 1
    assert not WalletEntry.objects.exists()


def test_equip_replaces_slot_and_keeps_is_equipped_consistent(user):
    first, second = CosmeticFactory(type="trail"), CosmeticFactory(type="trail")
    for c in (first, second):
        services.inventory_grant(user=user, cosmetic=c, source="grant")
    services.loadout_equip(user=user, cosmetic_id=first.pk)
    services.loadout_equip(user=user, cosmetic_id=second.pk)
    loadout = Loadout.objects.get(user=user)
    assert loadout.trail_equipped_id == second.pk
    equipped = set(
        InventoryItem.objects.filter(user=user, is_equipped=True).values_list("cosmetic", flat=True)
    )
    assert equipped == {second.pk}
    services.loadout_unequip(user=user, slot="trail")
    assert Loadout.objects.get(user=user).trail_equipped_id is None
    assert not InventoryItem.objects.filter(is_equipped=True).exists()


def test_equip_unowned_and_unknown(user):
    cosmetic = CosmeticFactory()
    with pytest.raises(ApplicationError) as exc:
        services.loadout_equip(user=user, cosmetic_id=cosmetic.pk)
    assert exc.value.code == "COSMETIC_NOT_OWNED" and exc.value.status == 403
    import uuid

    with pytest.raises(ApplicationError) as exc:
        services.loadout_equip(user=user, cosmetic_id=uuid.uuid4())
    assert exc.value.code == "COSMETIC_NOT_FOUND"


def test_cosmetics_set_active(db):
    a, b = CosmeticFactory(), CosmeticFactory(is_active=False)
    assert services.cosmetics_set_active(queryset=Cosmetic.objects.all(), is_active=False) == 1
    assert not Cosmetic.objects.filter(is_active=True).exists()
    assert {a.pk, b.pk} == set(Cosmetic.objects.values_list("pk", flat=True))


def test_deleting_a_user_keeps_owned_by_count_equal_to_inventory_rows(make_user):
    cosmetic = CosmeticFactory(price_coins=None)
    keeper, leaver = make_user(), make_user()
    for u in (keeper, leaver):
        services.inventory_grant(user=u, cosmetic=cosmetic, source="battlepass")
    leaver.delete()
    cosmetic.refresh_from_db()
    assert cosmetic.owned_by_count == 1 == InventoryItem.objects.filter(cosmetic=cosmetic).count()


def test_a_user_with_ledger_history_cannot_be_deleted(user, fund):
    from django.db.models import ProtectedError

    fund(user, coins=5)
    with pytest.raises(ProtectedError):
        user.delete()
    assert WalletEntry.objects.count() == 1
