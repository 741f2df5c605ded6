"""The admin in a real browser: Playwright drives Debian's chromium (scripts/browser.sh installs
it) to log in with password and TOTP code (ADMIN_REQUIRE_2FA on), create a season with two
tiers, activate it; the API then serves it."""

import json
import threading
import urllib.request

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from battlepass.models import BattlePassTier, Season
from cosmetics.models import Cosmetic
from tests.accounts.conftest import totp_code
from tests.factories import TEST_PASSWORD, UserFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def run_in_browser(script) -> dict:
    """Run ``script(page)`` in chromium on a thread of its own: Playwright's event loop then
    never shares a thread (and Django's per-context connections) with the test's ORM calls."""
    outcome: dict = {}

    def target():
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page()
                    page.set_default_timeout(20_000)
                    outcome["result"] = script(page)
                finally:
                    browser.close()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the browser script did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result") or {}


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def _admin_script(base: str, device: TOTPDevice):
    def script(page) -> dict:
        page.goto(f"{base}/admin/login/?next=/admin/")
        page.fill("#id_username", "admin@1v1bro.local")
        page.fill("#id_password", TEST_PASSWORD)
        page.click("input[type=submit]")
        # Password alone is not enough for staff with 2FA: the form asks for the code.
        page.wait_for_selector(".errornote")
        assert "two-factor" in page.locator(".errornote").inner_text()
        page.fill("#id_password", TEST_PASSWORD)
        page.fill("#id_otp_token", totp_code(device))
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/admin/")

        page.goto(f"{base}/admin/battlepass/season/add/")
        page.fill("#id_season_number", "42")
        page.fill("#id_name", "Browser Season")
        page.fill("#id_theme", "chrome")
        page.fill("#id_start_date_0", "2026-11-01")
        page.fill("#id_start_date_1", "00:00:00")
        page.fill("#id_end_date_0", "2027-01-31")
        page.fill("#id_end_date_1", "00:00:00")
        page.fill("#id_xp_per_tier", "100")
        page.fill("#id_max_tier", "2")
        page.fill("#id_premium_price", "300")
        add_tier = page.locator("#tiers-group .add-row a")
        add_tier.click()
        add_tier.click()
        page.fill("#id_tiers-0-tier_number", "1")
        page.select_option("#id_tiers-0-free_reward_type", "coins")
        page.fill("#id_tiers-0-free_reward_value", "150")
        page.fill("#id_tiers-1-tier_number", "2")
        page.select_option("#id_tiers-1-premium_reward_type", "cosmetic")
        page.fill("#id_tiers-1-premium_reward_value", "aurora-trail")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")
        tiers_text = page.locator("#tiers-group").inner_text()

        page.goto(f"{base}/admin/battlepass/season/")
        page.locator("tr", has_text="Browser Season").locator("input.action-select").check()
        page.select_option("select[name=action]", "activate_season")
        page.click("button[name=index]")
        page.wait_for_selector(".messagelist .success")
        return {"tiers_text": tiers_text, "message": page.locator(".messagelist").inner_text()}

    return script


@override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False, ADMIN_REQUIRE_2FA=True)
def test_admin_creates_and_activates_a_season_served_by_the_api(live_server):
    admin = UserFactory(email="admin@1v1bro.local", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    Cosmetic.objects.create(slug="aurora-trail", name="Aurora Trail", type="trail", rarity="epic")

    seen = run_in_browser(_admin_script(live_server.url, device))

    # The reward editor shows the cosmetic's name next to its slug.
    assert "Aurora Trail" in seen["tiers_text"]
    assert "now the active season" in seen["message"]
    season = Season.objects.get(season_number=42)
    assert season.is_active
    assert BattlePassTier.objects.filter(season=season).count() == 2

    status, body = _get_json(f"{live_server.url}/api/v1/battlepass/season/")
    assert status == 200
    assert (body["id"], body["name"], body["max_tier"], body["is_active"]) == (
        str(season.pk),
        "Browser Season",
        2,
        True,
    )
    _, tiers = _get_json(f"{live_server.url}/api/v1/battlepass/seasons/{season.pk}/tiers/")
    assert tiers[0] == {
        "tier_number": 1,
        "free_reward": {"type": "coins", "value": 150, "cosmetic": None},
        "premium_reward": None,
    }
    assert tiers[1]["premium_reward"]["cosmetic"]["name"] == "Aurora Trail"
