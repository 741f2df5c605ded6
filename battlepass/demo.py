"""The demo season of ``seed_demo``: ``demo/season.json`` (30 tiers, four challenges), loaded
when no season exists (its rewards name items of the demo shop, loaded before)."""

from pathlib import Path

from django.conf import settings

from battlepass.models import Season
from core.demo import DemoRun, demo_part
from cosmetics.catalog_import import load_catalog

DEMO_SEASON = Path(settings.BASE_DIR) / "demo" / "season.json"


@demo_part(order=30)
def load_demo_season(run: DemoRun) -> None:
    if Season.objects.exists():
        run.say("seasons already exist: demo season not loaded")
        return
    summary = load_catalog(DEMO_SEASON)["seasons"]
    run.say(f"season: {summary['created']} created, {summary['tiers']} tiers")
