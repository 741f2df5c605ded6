"""The wallet's batch credits and grants (``cosmetics.ledger``): the single-player rules, for
many players in one statement each."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ValidationFailed
from cosmetics.ledger import Credit, Grant, inventory_grant_many, wallet_credit_many
from cosmetics.models import Cosmetic, InventoryItem, Wallet, WalletEntry
from tests.cosmetics.factories import CosmeticFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_credits_move_balances_and_write_running_ledger_rows(fund):
    a, b = UserFactory(), UserFactory()
    fund(a, coins=100)
    written = wallet_credit_many(
        [
            Credit(a.pk, "coins", 10, "season_rank_reward", "r:1"),
            Credit(b.pk, "premium", 7, "season_rank_reward", "r:2"),
            Credit(a.pk, "coins", 5, "battlepass_reward", "r:3"),
            Credit(a.pk, "premium", 3, "battlepass_reward", "r:4"),
        ]
    )
    assert written == 4
    wa, wb = Wallet.objects.get(user=a), Wallet.objects.get(user=b)  # b's wallet created
    assert (wa.coins, wa.premium, wb.coins, wb.premium) == (115, 3, 0, 7)
    rows = {
        e.reference: (e.currency, e.amount, e.balance_after, e.reason)
        for e in WalletEntry.objects.exclude(reason="test_grant")
    }
    assert rows == {
        "r:1": ("coins", 10, 110, "season_rank_reward"),
        "r:2": ("premium", 7, 7, "season_rank_reward"),
        "r:3": ("coins", 5, 115, "battlepass_reward"),
        "r:4": ("premium", 3, 3, "battlepass_reward"),
    }


def test_credits_take_the_same_statements_for_10_or_80_rows():
    def statements(n):
        users = [UserFactory() for _ in range(n // 2)]
        with CaptureQueriesContext(connection) as queries:
            wallet_credit_many([Credit(u.pk, "coins", 1, "season_rank_reward") for u in users * 2])
        return len(queries)

    assert statements(10) == statements(80) <= 10
    assert WalletEntry.objects.count() == 90


@pytest.mark.parametrize(
    ("credit", "field"),
    [
        (Credit(None, "gold", 5, "x"), "currency"),
        (Credit(None, "coins", 0, "x"), "amount"),
        (Credit(None, "coins", -5, "x"), "amount"),
        (Credit(None, "coins", 5, "  "), "reason"),
    ],
)
def test_a_bad_credit_refuses_the_whole_batch(credit, field):
    user = UserFactory()
    good = Credit(user.pk, "coins", 5, "season_rank_reward")
    bad = Credit(user.pk, credit.currency, credit.amount, credit.reason)
    with pytest.raises(ValidationFailed) as info:
        wallet_credit_many([good, bad])
    assert field in info.value.details
    assert not WalletEntry.objects.exists() and not Wallet.objects.filter(coins__gt=0).exists()


def test_inventory_batch_grants_once_and_counts_owners():
    a, b = UserFactory(), UserFactory()
    crown, cape = CosmeticFactory(), CosmeticFactory()
    InventoryItem.objects.create(user=b, cosmetic=crown, source="shop")
    given = inventory_grant_many(
        [
            Grant(a.pk, crown.pk, "season_rank"),
            Grant(b.pk, crown.pk, "season_rank"),  # owned
            Grant(a.pk, cape.pk, "battlepass"),
            Grant(a.pk, cape.pk, "battlepass"),  # given by the row above
        ]
    )
    assert given == [True, False, True, False]
    assert InventoryItem.objects.filter(user=a).count() == 2
    assert InventoryItem.objects.get(user=a, cosmetic=cape).source == "battlepass"
    counts = dict(Cosmetic.objects.values_list("pk", "owned_by_count"))
    assert counts[crown.pk] == 1 and counts[cape.pk] == 1  # b's row was made directly
