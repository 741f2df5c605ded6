"""Admin actions and pages through Django's test client (the browser test covers the editor)."""

import pytest
from django.test import Client

from battlepass.models import BattlePassTier, PlayerSeasonProgress, Season
from battlepass.services import xp_award
from tests.battlepass.factories import SeasonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def _action(client, action, seasons, **extra):
    return client.post(
        "/admin/battlepass/season/",
        {"action": action, "_selected_action": [str(s.pk) for s in seasons], **extra},
        follow=True,
    )


def test_generate_tiers_asks_then_creates(admin_client):
    season = SeasonFactory(max_tier=30, is_active=False)
    page = _action(admin_client, "generate_tiers", [season])
    assert page.status_code == 200 and b"Coins per tier" in page.content
    assert not BattlePassTier.objects.exists()
    page = _action(admin_client, "generate_tiers", [season], count="30", coins="120", apply="1")
    assert b"30 tiers created" in page.content
    assert BattlePassTier.objects.filter(season=season, free_reward_value="120").count() == 30


def test_activate_needs_exactly_one_season(admin_client):
    first, second = SeasonFactory(is_active=False), SeasonFactory(is_active=False)
    page = _action(admin_client, "activate_season", [first, second])
    assert b"exactly one" in page.content
    assert not Season.objects.filter(is_active=True).exists()
    _action(admin_client, "activate_season", [second])
    assert list(Season.objects.filter(is_active=True)) == [second]


def test_season_page_has_tiers_and_challenges_inline(admin_client):
    season = SeasonFactory()
    page = admin_client.get(f"/admin/battlepass/season/{season.pk}/change/")
    assert page.status_code == 200
    assert b'id="tiers-group"' in page.content and b'id="challenges-group"' in page.content


def test_progress_is_read_only(admin_client, user):
    SeasonFactory()
    xp_award(user=user, amount=10, source="admin")
    progress = PlayerSeasonProgress.objects.get()
    assert admin_client.get("/admin/battlepass/playerseasonprogress/").status_code == 200
    page = admin_client.get(f"/admin/battlepass/playerseasonprogress/{progress.pk}/change/")
    assert page.status_code == 200 and b'name="current_xp"' not in page.content
    assert admin_client.get("/admin/battlepass/playerseasonprogress/add/").status_code == 403
    for model in ["rewardclaim", "xplog", "challengeprogress", "dailybonusclaim"]:
        assert admin_client.get(f"/admin/battlepass/{model}/").status_code == 200
