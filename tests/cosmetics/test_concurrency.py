"""Money and ownership under real concurrency (PostgreSQL, one connection per thread)."""

import threading

import pytest
from django.db import connection

from cosmetics.models import Cosmetic, InventoryItem, Wallet, WalletEntry
from cosmetics.services import wallet_change
from events.models import OutboxEvent
from tests.conftest import bearer_client
from tests.cosmetics.factories import CosmeticFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def _run_parallel(requests):
    """Run each zero-argument callable in its own thread, all released at once."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def worker(index, request):
        try:
            barrier.wait()
            response = request()
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # surfaced by the assertions below
            results[index] = ("exception", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _purchase(client, cosmetic, **headers):
    return lambda: client.post(
        f"/api/v1/cosmetics/{cosmetic.pk}/purchase/", {"currency": "coins"}, **headers
    )


def _assert_money_invariants(user):
    wallet = Wallet.objects.get(user=user)
    assert wallet.coins >= 0
    ledger = sum(e.amount for e in WalletEntry.objects.filter(wallet=wallet, currency="coins"))
    assert ledger == wallet.coins
    for cosmetic in Cosmetic.objects.all():
        assert cosmetic.owned_by_count == InventoryItem.objects.filter(cosmetic=cosmetic).count()


def test_twenty_purchases_of_different_items_with_coins_for_three(make_user):
    user = make_user()
    items = [CosmeticFactory(price_coins=100) for _ in range(THREADS)]
    wallet_change(user=user, currency="coins", amount=300, reason="test_grant")
    clients = [bearer_client(user) for _ in range(THREADS)]
    results = _run_parallel([_purchase(c, item) for c, item in zip(clients, items, strict=True)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 3 + [402] * 17, results
    assert all(
        body["error"]["code"] == "COSMETIC_INSUFFICIENT_FUNDS"
        for status, body in results
        if status == 402
    )
    assert Wallet.objects.get(user=user).coins == 0
    assert InventoryItem.objects.filter(user=user).count() == 3
    assert OutboxEvent.objects.filter(event_type="player.cosmetic_purchased").count() == 3
    _assert_money_invariants(user)


def test_twenty_purchases_of_the_same_item_charge_once(make_user):
    user = make_user()
    item = CosmeticFactory(price_coins=100)
    wallet_change(user=user, currency="coins", amount=100_000, reason="test_grant")
    clients = [bearer_client(user) for _ in range(THREADS)]
    results = _run_parallel([_purchase(c, item) for c in clients])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, results
    assert Wallet.objects.get(user=user).coins == 100_000 - 100
    assert WalletEntry.objects.filter(wallet__user=user, amount__lt=0).count() == 1
    item.refresh_from_db()
    assert item.owned_by_count == 1
    _assert_money_invariants(user)


def test_twenty_parallel_requests_with_one_idempotency_key(make_user):
    user = make_user()
    item = CosmeticFactory(price_coins=100)
    wallet_change(user=user, currency="coins", amount=1000, reason="test_grant")
    clients = [bearer_client(user) for _ in range(THREADS)]
    results = _run_parallel(
        [_purchase(c, item, HTTP_IDEMPOTENCY_KEY="buy-once-1") for c in clients]
    )
    assert {status for status, _ in results} == {201}, results
    assert all(body == results[0][1] for _, body in results)
    assert Wallet.objects.get(user=user).coins == 900
    assert WalletEntry.objects.filter(wallet__user=user, amount__lt=0).count() == 1
    assert OutboxEvent.objects.filter(event_type="player.cosmetic_purchased").count() == 1
    _assert_money_invariants(user)
