"""``manage.py seed_demo``: the apps' demo parts, found without core importing them, give every
screen of ``make run`` something to show — through the real match path — and a second run
changes nothing."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from battlepass.models import ChallengeProgress, PlayerSeasonProgress, Season, XPLog
from cosmetics.models import Cosmetic, Wallet, WalletEntry
from events.models import DeadLetter, IngestedMatch, OutboxEvent
from notifications.models import Notification
from profiles.demo import DEMO_EMAILS, DEMO_PASSWORD
from profiles.models import Profile
from ranking.demo import DEMO_MATCHES, demo_match_id
from ranking.models import BoardSize, MatchResult, PlayerRating
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {
    "accounts", "profiles", "cosmetics", "battlepass", "ranking", "events", "notifications"
}  # fmt: skip


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _state() -> dict:
    """Every row the demo writes, with every column (timestamps included)."""
    models = [
        User,
        Profile,
        Wallet,
        WalletEntry,
        Cosmetic,
        Season,
        PlayerSeasonProgress,
        ChallengeProgress,
        XPLog,
        PlayerRating,
        MatchResult,
        BoardSize,
        IngestedMatch,
        OutboxEvent,
        Notification,
    ]
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in models  # str: rows mix types that do not sort together
    }


def test_core_imports_no_domain_app():
    for path in Path(settings.BASE_DIR, "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in DOMAIN_APPS, (path, node.module)
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
                assert not names & DOMAIN_APPS, (path, names)


def test_every_screen_has_demo_data_and_a_second_run_changes_nothing(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert "Demo data loaded." in _seed()
    _every_screen_has_data(api_client)
    before = _state()
    with django_capture_on_commit_callbacks(execute=True):
        out = _seed()
    assert "matches: 0 played, 40 already recorded" in out
    assert _state() == before


def _every_screen_has_data(api_client):
    assert User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)
    # every match went through ingestion and was applied by the handler, none refused
    ids = {demo_match_id(n) for n in range(DEMO_MATCHES)}
    assert set(IngestedMatch.objects.values_list("match_id", flat=True)) == ids
    assert set(MatchResult.objects.values_list("match_id", flat=True)) == ids
    assert not DeadLetter.objects.exists()

    board = api_client.get("/api/v1/leaderboards/global/").json()
    assert board["total_players"] == len(DEMO_EMAILS) == len(board["entries"])
    assert [e["rank"] for e in board["entries"]] == list(range(1, len(DEMO_EMAILS) + 1))
    assert any(e["is_public"] is False and e["country"] is None for e in board["entries"])

    demo = User.objects.get(email="demo@1v1bro.local")
    client = bearer_client(demo)
    me = client.get("/api/v1/leaderboards/me/").json()
    assert me["rating"]["user_id"] == str(demo.pk) and me["rating"]["tier_rank"] >= 1
    stats = client.get(f"/api/v1/stats/{demo.pk}/").json()
    assert stats["matches_played"] >= DEMO_MATCHES // 3 and len(stats["recent_matches"]) == 10
    progress = client.get("/api/v1/battlepass/progress/").json()
    assert progress["current_tier"] >= 1 and progress["claimable_rewards"]
    challenges = client.get("/api/v1/battlepass/challenges/").json()
    assert any(c["completed_at"] for c in challenges)
    kinds = {n["kind"] for n in client.get("/api/v1/notifications/").json()["results"]}
    assert {"level_up", "reward_earned", "challenge_completed"} <= kinds
    assert client.get("/api/v1/wallet/").json() == {"coins": 5000, "premium": 500}
    assert Cosmetic.objects.count() == 16 and Season.objects.get().is_active
    login = {"email": "demo@1v1bro.local", "password": DEMO_PASSWORD}  # README's
    assert api_client.post("/api/v1/auth/login/", login, format="json").status_code == 200


def test_refused_on_a_database_with_other_users(make_user):
    make_user()
    out = _seed()
    assert "other users" in out and "Demo data loaded." not in out
    assert not User.objects.filter(email__in=DEMO_EMAILS).exists()
    assert not Cosmetic.objects.exists() and not MatchResult.objects.exists()
    assert not PlayerRating.objects.exists()
