"""Demo data of the run command: the shop from demo/catalog.json and starting balances."""

from django.conf import settings

from accounts.models import User
from cosmetics.catalog_import import load_catalog
from cosmetics.models import WalletEntry
from cosmetics.services import wallet_change

DEMO_CATALOG = settings.BASE_DIR / "demo" / "catalog.json"
DEMO_REASON = "demo_grant"
DEMO_BALANCES = {"coins": 5000, "premium": 500}


def load_demo_shop(*, emails: list[str], stdout=None) -> None:
    """Load the demo catalog (safe to repeat) and fund each demo player once."""
    summary = load_catalog(DEMO_CATALOG)["cosmetics"]
    if stdout is not None:
        stdout.write(
            f"  shop: {summary['created']} cosmetics created, {summary['updated']} updated"
        )
    for user in User.objects.filter(email__in=emails):
        if WalletEntry.objects.filter(wallet__user=user, reason=DEMO_REASON).exists():
            continue
        for currency, amount in DEMO_BALANCES.items():
            wallet_change(user=user, currency=currency, amount=amount, reason=DEMO_REASON)
        if stdout is not None:
            stdout.write(
                f"  wallet {user.email}: {DEMO_BALANCES['coins']} coins, "
                f"{DEMO_BALANCES['premium']} premium"
            )
