"""Ending a season through the command: standings, rank rewards, unclaimed rewards, soft reset,
one notification each; idempotent; --dry-run and invalid configuration change nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from battlepass.models import RewardClaim, Season, SeasonEnd, SeasonRankReward
from battlepass.services import xp_award
from cosmetics.models import Cosmetic, InventoryItem, Wallet, WalletEntry
from events.models import OutboxEvent
from notifications.models import Notification
from ranking.models import PlayerRating, SeasonStanding
from ranking.season_end import soft_reset_elo
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RANK_REWARDS = [
    {"tier": "Gold", "rewards": [{"type": "coins", "value": "500"}]},
    {
        "tier": "Diamond",
        "rewards": [{"type": "cosmetic", "value": "crown"}, {"type": "coins", "value": "50"}],
    },
]


def _snapshot():
    return (
        list(PlayerRating.objects.order_by("user_id").values_list("user_id", "current_elo")),
        WalletEntry.objects.count(),
        RewardClaim.objects.count(),
        InventoryItem.objects.count(),
        OutboxEvent.objects.count(),
        SeasonStanding.objects.count(),
        SeasonEnd.objects.count(),
    )


@pytest.fixture
def world(db):
    crown = Cosmetic.objects.create(
        slug="crown", name="Crown", type="skin", rarity="epic", price_coins=900
    )
    season = SeasonFactory(xp_per_tier=100, max_tier=5, rank_rewards=RANK_REWARDS)
    coin_tiers(season, 3, free=10, premium=20)
    players = []
    for elo, country in [(2100, "DE"), (2050, "FR"), (1300, "DE"), (1000, ""), (1250, "DE")]:
        user = UserFactory()
        PlayerRating.objects.create(
            user=user, current_elo=elo, peak_elo=elo, current_tier=_tier(elo), country=country
        )
        players.append(user)
    xp_award(user=players[0], amount=250, source="admin")  # tiers 1, 2 unclaimed (free)
    xp_award(user=players[3], amount=300, source="admin")  # tiers 1..3
    InventoryItem.objects.create(user=players[1], cosmetic=crown, source="shop")  # owned
    return season, players, crown


def _tier(elo):
    from ranking.elo import tier_for

    return tier_for(elo)


def _coins(user):
    wallet = Wallet.objects.filter(user=user).first()
    return wallet.coins if wallet else 0


def test_season_end_does_every_step_once(world, django_capture_on_commit_callbacks):
    season, players, crown = world
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("season_end", str(season.season_number), stdout=out)
    assert "ended" in out.getvalue()

    standings = {
        s.user_id: s for s in SeasonStanding.objects.filter(season_number=season.season_number)
    }
    assert [standings[p.pk].final_rank for p in players] == [1, 2, 3, 5, 4]
    assert [standings[p.pk].final_country_rank for p in players] == [1, 1, 2, None, 3]
    assert standings[players[0].pk].final_tier == "Diamond"

    # rank rewards: Diamond gets the crown + 50 (owned crown → its 900 coins), Gold 500
    assert InventoryItem.objects.filter(user=players[0], cosmetic=crown).exists()
    assert _coins(players[1]) == 900 + 50
    assert _coins(players[2]) == 500 and _coins(players[4]) == 500
    assert WalletEntry.objects.filter(reason="season_rank_reward").count() == 5
    assert SeasonRankReward.objects.count() == 6
    # unclaimed rewards: free tiers reached (not premium: no pass)
    assert _coins(players[3]) == 30
    assert RewardClaim.objects.filter(user=players[0], at_season_end=True).count() == 2
    # soft reset, peak kept
    rating = PlayerRating.objects.get(user=players[0])
    assert rating.current_elo == soft_reset_elo(2100, 0.5) == 1650
    assert (rating.peak_elo, rating.current_tier) == (2100, "Platinum")
    low = PlayerRating.objects.get(user=players[3])
    assert (low.current_elo, low.peak_elo) == (1100, 1100)
    # inactive, ended, one notification each
    season.refresh_from_db()
    assert (season.is_active, season.state) == (False, "ended")
    ended = OutboxEvent.objects.filter(event_type="season.ended")
    assert ended.count() == 5
    notes = Notification.objects.filter(kind="season_ended")
    assert notes.count() == 5
    first = notes.get(user=players[0])
    assert first.data["final_rank"] == 1
    assert first.data["rewards"] == [
        {"type": "cosmetic", "value": "crown"},
        {"type": "coins", "value": 50},
        {"type": "coins", "value": 10},
        {"type": "coins", "value": 10},
    ]

    before = _snapshot()
    call_command("season_end", str(season.season_number), stdout=StringIO())
    from battlepass.season_end import season_end_run

    season_end_run(season=Season.objects.get(pk=season.pk))
    assert _snapshot() == before


def test_dry_run_changes_nothing(world):
    season, _, _ = world
    before = _snapshot()
    out = StringIO()
    call_command("season_end", str(season.season_number), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Nothing changed" in text and "Diamond" in text
    assert "unclaimed battle-pass rewards: 5 for 2 players" in text
    assert _snapshot() == before


def test_invalid_configuration_lists_every_error_and_changes_nothing(world):
    season, _, _ = world
    Season.objects.filter(pk=season.pk).update(
        rank_rewards=[
            {"tier": "Wood", "rewards": [{"type": "coins", "value": "5"}]},
            {"tier": "Gold", "rewards": [{"type": "cosmetic", "value": "no-such-skin"}]},
        ]
    )
    before = _snapshot()
    with override_settings(SEASON_RESET_FACTOR=1.5), pytest.raises(CommandError) as info:
        call_command("season_end", str(season.season_number), stdout=StringIO())
    message = str(info.value)
    assert "3 problem(s)" in message
    assert "Wood" in message and "no-such-skin" in message and "SEASON_RESET_FACTOR" in message
    assert _snapshot() == before


def test_unknown_season_number():
    with pytest.raises(CommandError, match="No season 99"):
        call_command("season_end", "99", stdout=StringIO())


def test_frozen_board_and_history_endpoints(
    world, api_client, user, django_capture_on_commit_callbacks
):
    season, players, _ = world
    url = f"/api/v1/leaderboards/seasons/{season.season_number}/"
    response = api_client.get(url)
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"
    call_command("season_end", str(season.season_number), stdout=StringIO())
    # a match after the end moves the live rating, not the frozen board
    PlayerRating.objects.filter(user=players[4]).update(current_elo=2990, peak_elo=2990)

    body = api_client.get(url, {"limit": 2, "offset": 1}).json()
    assert body["total_players"] == 5 and body["page_size"] == 2
    assert [(e["rank"], e["user_id"], e["elo"], e["tier"]) for e in body["entries"]] == [
        (2, str(players[1].pk), 2050, "Diamond"),
        (3, str(players[2].pk), 1300, "Gold"),
    ]
    de = api_client.get(url, {"country": "de"}).json()
    assert [(e["rank"], e["user_id"]) for e in de["entries"]] == [
        (1, str(players[0].pk)),
        (2, str(players[2].pk)),
        (3, str(players[4].pk)),
    ]
    assert api_client.get(url, {"country": "XX"}).status_code == 400
    assert api_client.get(url, {"limit": -1}).status_code == 400

    history = api_client.get(f"/api/v1/ratings/{players[1].pk}/seasons/").json()
    assert history == [
        {
            "season_number": season.season_number,
            "name": season.name,
            "final_rank": 2,
            "final_country_rank": 1,
            "final_elo": 2050,
            "final_tier": "Diamond",
            "rewards": [
                {"type": "coins", "value": 900, "cosmetic": None},
                {"type": "coins", "value": 50, "cosmetic": None},
            ],
        }
    ]
    first = api_client.get(f"/api/v1/ratings/{players[0].pk}/seasons/").json()
    assert first[0]["rewards"][0]["cosmetic"]["name"] == "Crown"

    from profiles.services import profile_update

    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            user=players[1],
            data={"is_public": False, "accept_friend_requests": True, "allow_messages": True},
            section="privacy",
        )
    response = api_client.get(f"/api/v1/ratings/{players[1].pk}/seasons/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "PROFILE_PRIVATE"
    private_entry = api_client.get(url).json()["entries"][1]
    assert private_entry["avatar_url"] is None and private_entry["win_rate"] is None
    assert api_client.get(f"/api/v1/ratings/{user.pk}/seasons/").json() == []


def test_admin_end_season_action_and_read_only_pages(
    world, staff_user, django_capture_on_commit_callbacks
):
    from django.test import Client

    season, players, _ = world
    client = Client()
    client.force_login(staff_user)
    page = client.get("/admin/battlepass/season/")
    assert b"active" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/battlepass/season/",
            {"action": "end_season", "_selected_action": [str(season.pk)]},
            follow=True,
        )
    assert b"is ending" in page.content
    season.refresh_from_db()
    assert season.state == "ended"
    assert SeasonStanding.objects.count() == 5
    page = client.get(f"/admin/battlepass/season/{season.pk}/change/")
    assert b"final standings" in page.content and b"rank rewards granted" in page.content
    page = client.get(f"/admin/ranking/seasonstanding/?season_number={season.season_number}")
    assert page.status_code == 200 and str(players[0].email).encode() in page.content
    standing = SeasonStanding.objects.first()
    page = client.get(f"/admin/ranking/seasonstanding/{standing.pk}/change/")
    assert page.status_code == 200 and b'name="final_elo"' not in page.content
    assert client.get("/admin/battlepass/seasonrankreward/").status_code == 200
    # a second end changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/battlepass/season/",
            {"action": "end_season", "_selected_action": [str(season.pk)]},
            follow=True,
        )
    assert b"already ended" in page.content
    assert WalletEntry.objects.filter(reason="season_rank_reward").count() == 5


def test_reward_and_notify_chunks_take_the_same_statements_for_3_or_9_players():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from battlepass.season_end import season_end_start, season_end_step

    season = SeasonFactory(
        xp_per_tier=100,
        max_tier=5,
        rank_rewards=[
            {"tier": tier, "rewards": [{"type": "coins", "value": "5"}]}
            for tier in ("Silver", "Gold")
        ],
    )
    coin_tiers(season, 3, free=10, premium=20)
    for i in range(12):
        user = UserFactory()
        PlayerRating.objects.create(
            user=user, current_elo=1100 + i, peak_elo=1100 + i, current_tier=_tier(1100 + i)
        )
        xp_award(user=user, amount=300, source="admin")  # tiers 1..3 unclaimed
    season_end_start(season=season)
    assert season_end_step(season=season, chunk_size=100).phase == "freeze"

    def statements(chunk):
        with CaptureQueriesContext(connection) as queries:
            step = season_end_step(season=season, chunk_size=chunk)
        assert step.done == chunk
        return step.phase, len(queries)

    def phase_now():
        return SeasonEnd.objects.get(season=season).phase

    for phase in ("rank_rewards", "unclaimed", "notify"):
        for _ in range(10):  # through the set-based phases in between
            if phase_now() == phase:
                break
            season_end_step(season=season, chunk_size=100)
        few, many = statements(3), statements(9)
        assert few[0] == many[0] == phase
        assert few[1] == many[1], phase  # no statement per player
        assert season_end_step(season=season, chunk_size=100).done == 0  # the phase is over
    assert SeasonRankReward.objects.count() == 12
    assert WalletEntry.objects.filter(reason="season_rank_reward").count() == 12
    assert WalletEntry.objects.filter(reason="battlepass_reward").count() == 36
    assert OutboxEvent.objects.filter(event_type="season.ended").count() == 12
