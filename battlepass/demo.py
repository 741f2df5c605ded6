"""The demo season of ``manage.py seed_demo``: ``demo/season.json`` (30 tiers), loaded once."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from battlepass.models import Season
from cosmetics.models import Cosmetic

DEMO_DIR = Path(settings.BASE_DIR) / "demo"


def load_demo_season(*, stdout) -> bool:
    """Load the demo season unless a season exists; its rewards name items of
    ``demo/catalog.json``, which is loaded first when the catalog is empty."""
    if Season.objects.exists():
        stdout.write("Seasons already exist: demo season not loaded.")
        return False
    if not Cosmetic.objects.exists() and (DEMO_DIR / "catalog.json").exists():
        call_command("load_catalog", str(DEMO_DIR / "catalog.json"), stdout=stdout)
    call_command("load_catalog", str(DEMO_DIR / "season.json"), stdout=stdout)
    return True
