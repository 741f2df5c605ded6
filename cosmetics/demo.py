"""The demo shop of ``seed_demo``: ``demo/catalog.json`` and starting balances, once each."""

from django.conf import settings

from core.demo import DemoRun, demo_part
from cosmetics.catalog_import import load_catalog
from cosmetics.models import WalletEntry
from cosmetics.services import wallet_change
from profiles.demo import demo_users

DEMO_CATALOG = settings.BASE_DIR / "demo" / "catalog.json"
DEMO_REASON = "demo_grant"
DEMO_BALANCES = {"coins": 5000, "premium": 500}


@demo_part(order=20)
def load_demo_shop(run: DemoRun) -> None:
    """Load the demo catalog (an upsert: unchanged items stay untouched) and fund each demo
    player once."""
    summary = load_catalog(DEMO_CATALOG)["cosmetics"]
    run.say(
        f"shop: {summary['created']} cosmetics created, {summary['updated']} updated, "
        f"{summary['unchanged']} unchanged"
    )
    funded = set(
        WalletEntry.objects.filter(reason=DEMO_REASON).values_list("wallet__user_id", flat=True)
    )
    for user in demo_users():
        if user.pk in funded:
            continue
        for currency, amount in DEMO_BALANCES.items():
            wallet_change(user=user, currency=currency, amount=amount, reason=DEMO_REASON)
        run.say(
            f"wallet {user.email}: {DEMO_BALANCES['coins']} coins, "
            f"{DEMO_BALANCES['premium']} premium"
        )
