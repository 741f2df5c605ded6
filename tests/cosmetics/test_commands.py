"""manage.py grant_currency and the demo data of the run command."""

import pytest
from django.core.management import CommandError, call_command

from cosmetics.models import Cosmetic, Wallet, WalletEntry

pytestmark = pytest.mark.django_db


def test_grant_currency_writes_ledger_rows(user, capsys):
    call_command(
        "grant_currency", "--email", user.email.upper(), "--coins", "500", "--premium", "25",
        "--reason", "support ticket", "--reference", "T-42",
    )  # fmt: skip
    wallet = Wallet.objects.get(user=user)
    assert (wallet.coins, wallet.premium) == (500, 25)
    entries = WalletEntry.objects.filter(wallet=wallet)
    assert {(e.currency, e.amount, e.reason, e.reference) for e in entries} == {
        ("coins", 500, "support ticket", "T-42"),
        ("premium", 25, "support ticket", "T-42"),
    }
    assert "+500 coins" in capsys.readouterr().out


def test_grant_currency_refuses_negative_result_and_changes_nothing(user):
    call_command("grant_currency", "--email", user.email, "--coins", "100", "--reason", "seed")
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "grant_currency", "--email", user.email, "--coins", "50", "--premium", "-1",
            "--reason", "correction",
        )  # fmt: skip
    assert Wallet.objects.get(user=user).coins == 100
    assert WalletEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.com", "--coins", "5", "--reason", "x"], "No user"),
        (["--email", "{email}", "--reason", "x"], "non-zero"),
        (["--email", "{email}", "--coins", "5", "--reason", " "], "reason"),
    ],
)
def test_grant_currency_argument_errors(user, args, message):
    args = [a.replace("{email}", user.email) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("grant_currency", *args)
    assert not WalletEntry.objects.exists()


def test_seed_demo_loads_the_catalog_and_funds_demo_players():
    from accounts.models import User

    call_command("seed_demo")
    assert Cosmetic.objects.count() >= 12
    demo = User.objects.get(email="demo@1v1bro.local")
    wallet = Wallet.objects.get(user=demo)
    assert wallet.coins > 0 and wallet.premium > 0
    assert sum(e.amount for e in WalletEntry.objects.filter(wallet=wallet, currency="coins")) == (
        wallet.coins
    )
