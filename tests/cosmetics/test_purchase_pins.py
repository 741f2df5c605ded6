"""Purchase and wallet details a mutation run showed unpinned: 1-coin prices, the premium
event, the 402's details, the column length caps, and first-time wallets created in a race."""

import threading

import pytest
from django.db import connection

from core.errors import ApplicationError
from cosmetics import services
from cosmetics.models import InventoryItem, Wallet, WalletEntry
from events.models import OutboxEvent
from tests.cosmetics.factories import CosmeticFactory
from tests.factories import UserFactory


def _purchase_event():
    return OutboxEvent.objects.get(event_type="player.cosmetic_purchased").envelope["data"]


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["coins", "premium"])
def test_a_one_coin_item_is_charged_one(user, fund, currency):
    cosmetic = CosmeticFactory(price_coins=1, price_premium=1)
    fund(user, **{currency: 1})
    services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency=currency)
    assert getattr(Wallet.objects.get(user=user), currency) == 0
    debit = WalletEntry.objects.get(wallet__user=user, amount__lt=0)
    assert (debit.currency, debit.amount, debit.balance_after) == (currency, -1, 0)
    assert _purchase_event()["price_paid"] == 1


@pytest.mark.django_db
def test_a_one_coin_item_without_the_coin_is_refused(user):
    cosmetic = CosmeticFactory(price_coins=1)
    with pytest.raises(ApplicationError) as exc:
        services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    assert exc.value.status == 402
    assert not InventoryItem.objects.exists()


@pytest.mark.django_db
def test_premium_purchase_event_says_what_was_paid_and_in_what(user, fund):
    cosmetic = CosmeticFactory(price_coins=300, price_premium=50, type="banner")
    fund(user, coins=1000, premium=60)
    services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="premium")
    assert _purchase_event() == {
        "user_id": str(user.pk),
        "cosmetic_id": str(cosmetic.pk),
        "cosmetic_type": "banner",
        "price_paid": 50,
        "currency": "premium",
    }
    debit = WalletEntry.objects.get(wallet__user=user, amount__lt=0)
    assert (debit.currency, debit.amount, debit.balance_after) == ("premium", -50, 10)
    assert debit.reason == "purchase" and debit.reference == f"cosmetic:{cosmetic.slug}"


@pytest.mark.django_db
def test_insufficient_funds_details_name_currency_balance_and_requirement(user, fund):
    cosmetic = CosmeticFactory(price_coins=300, price_premium=40)
    fund(user, coins=299, premium=7)
    for currency, balance, required in (("coins", 299, 300), ("premium", 7, 40)):
        with pytest.raises(ApplicationError) as exc:
            services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency=currency)
        assert exc.value.code == "COSMETIC_INSUFFICIENT_FUNDS" and exc.value.status == 402
        assert exc.value.details == {
            "currency": currency,
            "balance": balance,
            "required": required,
        }
        assert f"balance {balance}, {required} needed" in str(exc.value.message)
    assert WalletEntry.objects.filter(amount__lt=0).count() == 0


@pytest.mark.django_db
def test_reason_and_reference_are_stripped_and_capped_at_their_columns(user):
    entry = services.wallet_change(
        user=user, currency="coins", amount=5, reason="  r" + "x" * 260 + " ", reference="f" * 260
    )
    entry.refresh_from_db()
    assert entry.reason == "r" + "x" * 199
    assert entry.reference == "f" * 200
    entry = services.wallet_change(user=user, currency="coins", amount=5, reason="g" * 200)
    assert entry.reason == "g" * 200 and entry.reference == ""


@pytest.mark.django_db
def test_grant_source_is_capped_at_its_column(user):
    cosmetic = CosmeticFactory()
    assert services.inventory_grant(user=user, cosmetic=cosmetic, source="s" * 40)
    assert InventoryItem.objects.get(user=user).source == "s" * 32
    assert not services.inventory_grant(user=user, cosmetic=cosmetic, source="again")


@pytest.mark.django_db
def test_zero_amount_and_missing_reason_details(user):
    with pytest.raises(ApplicationError) as exc:
        services.wallet_change(user=user, currency="coins", amount=0, reason="x")
    assert exc.value.details == {"amount": ["A non-zero integer is required."]}
    with pytest.raises(ApplicationError) as exc:
        services.wallet_change(user=user, currency="coins", amount=3, reason=None)
    assert exc.value.details == {"reason": ["This field is required."]}
    assert not Wallet.objects.filter(user=user, coins__gt=0).exists()


def _in_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def worker(index):
        try:
            barrier.wait()
            target(index)
        except Exception as exc:  # reported by the caller's assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_first_time_wallet_creations_racing_all_succeed_on_one_wallet():
    """Users without a wallet; eight credits each at once: every one creates or waits for the
    same row, none fails, and the balance is the sum."""
    threads = 8
    for _ in range(3):
        user = UserFactory()
        assert not Wallet.objects.filter(user=user).exists()
        errors = _in_threads(
            threads,
            lambda i, user=user: services.wallet_change(
                user=user, currency="coins", amount=i + 1, reason="race"
            ),
        )
        assert errors == []
        wallet = Wallet.objects.get(user=user)
        assert wallet.coins == sum(range(1, threads + 1))
        entries = WalletEntry.objects.filter(wallet=wallet)
        assert sorted(e.balance_after for e in entries) == sorted(
            {e.balance_after for e in entries}
        )
        assert entries.count() == threads


@pytest.mark.django_db
def test_purchase_refusals_change_nothing(user, fund):
    fund(user, coins=500, premium=500)
    coins_only = CosmeticFactory(price_coins=100, price_premium=None)
    cases = [
        (
            coins_only.pk,
            "gold",
            "VALIDATION_ERROR",
            {"currency": ["Must be one of: coins, premium."]},
        ),
        (coins_only.pk, "premium", "VALIDATION_ERROR", None),
        ("00000000-0000-0000-0000-000000000000", "coins", "COSMETIC_NOT_FOUND", None),
    ]
    for cosmetic_id, currency, code, details in cases:
        with pytest.raises(ApplicationError) as exc:
            services.cosmetic_purchase(user=user, cosmetic_id=cosmetic_id, currency=currency)
        assert exc.value.code == code
        if details is not None:
            assert exc.value.details == details
    services.cosmetic_purchase(user=user, cosmetic_id=coins_only.pk, currency="coins")
    with pytest.raises(ApplicationError) as exc:
        services.cosmetic_purchase(user=user, cosmetic_id=coins_only.pk, currency="coins")
    assert exc.value.code == "COSMETIC_ALREADY_OWNED"
    wallet = Wallet.objects.get(user=user)
    assert (wallet.coins, wallet.premium) == (400, 500)
    assert InventoryItem.objects.filter(user=user).count() == 1
    assert OutboxEvent.objects.filter(event_type="player.cosmetic_purchased").count() == 1


@pytest.mark.django_db
def test_unequip_empties_the_slot_and_refuses_unknown_or_empty_slots(user):
    cosmetic = CosmeticFactory(type="emote")
    services.inventory_grant(user=user, cosmetic=cosmetic, source="test")
    services.loadout_equip(user=user, cosmetic_id=cosmetic.pk)
    services.loadout_equip(user=user, cosmetic_id=cosmetic.pk)  # again: no change
    assert InventoryItem.objects.get(user=user).is_equipped
    loadout = services.loadout_unequip(user=user, slot="emote")
    assert loadout.emote_equipped_id is None
    assert not InventoryItem.objects.get(user=user).is_equipped
    for slot in ("emote", "hat-that-is-no-slot"):
        with pytest.raises(ApplicationError) as exc:
            services.loadout_unequip(user=user, slot=slot)
        assert exc.value.code == "VALIDATION_ERROR" and list(exc.value.details) == ["slot"]


@pytest.mark.django_db(transaction=True)
def test_services_run_outside_any_transaction_of_the_caller():
    """Autocommit, as a task or a command calls them: each service opens its own transaction
    (its row locks need one)."""
    user = UserFactory()
    cosmetic, granted = CosmeticFactory(price_coins=10, type="emote"), CosmeticFactory()
    services.wallet_change(user=user, currency="coins", amount=50, reason="grant")
    services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    assert services.inventory_grant(user=user, cosmetic=granted, source="test")
    services.loadout_equip(user=user, cosmetic_id=cosmetic.pk)
    services.loadout_unequip(user=user, slot="emote")
    assert Wallet.objects.get(user=user).coins == 40
    assert InventoryItem.objects.filter(user=user).count() == 2


@pytest.mark.django_db(transaction=True)
def test_first_time_loadouts_created_in_a_race_all_succeed():
    threads = 6
    user = UserFactory()
    items = [CosmeticFactory(type="emote") for _ in range(threads)]
    for item in items:
        services.inventory_grant(user=user, cosmetic=item, source="test")
    errors = _in_threads(
        threads, lambda i: services.loadout_equip(user=user, cosmetic_id=items[i].pk)
    )
    assert errors == []
    assert InventoryItem.objects.filter(user=user, is_equipped=True).count() == 1
