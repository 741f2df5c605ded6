"""Every object of API.md, as served, carries every field API.md lists under exactly that name
(more may follow). The field lists below are copied from API.md; the data is the demo's (players
who played matches through the real match path), so every object is there to be read."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from battlepass.models import Season
from cosmetics.models import Cosmetic
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db


def _fields(text: str) -> set[str]:
    return {name.strip() for name in text.split(",")}


USER = _fields("id, email, display_name, two_factor_enabled, date_joined")
PROFILE = _fields(
    "user_id, display_name, bio, avatar_url, avatar_urls, banner_url, banner_urls, banner_color, "
    "level, total_xp, title, country, social_links, is_public, accept_friend_requests, "
    "allow_messages, theme, created_at, updated_at"
)
SOCIAL_LINKS = _fields("twitch, youtube, twitter")
SIGNED_UPLOAD_URL = _fields(
    "upload_url, method, storage_path, expires_at, max_size_bytes, allowed_types"
)
COSMETIC = _fields(
    "id, name, type, rarity, description, image_url, preview_video_url, price_coins, "
    "price_premium, release_date, event, is_limited, owned_by_count"
)
INVENTORY_ITEM = _fields("id, cosmetic, acquired_date, is_equipped")
LOADOUT = _fields(
    "user_id, skin_equipped, emote_equipped, banner_equipped, nameplate_equipped, "
    "effect_equipped, trail_equipped"
)
WALLET = _fields("coins, premium")
TRANSACTION = _fields("id, currency, amount, balance_after, reason, reference, created_at")
SEASON = _fields(
    "id, season_number, name, theme, start_date, end_date, is_active, xp_per_tier, max_tier, "
    "premium_price"
)
TIER = _fields("tier_number, free_reward, premium_reward")
REWARD = _fields("type, value, cosmetic")
PLAYER_BATTLE_PASS = _fields(
    "user_id, season, current_tier, current_xp, xp_to_next_tier, is_premium, claimed_rewards, "
    "claimable_rewards"
)
CLAIM = _fields("tier, granted, progress")
DAILY_BONUS = _fields("xp_awarded, streak_days, next_available_at, progress")
CHALLENGE = _fields(
    "id, code, name, description, metric, target, progress, xp_reward, completed_at"
)
LEADERBOARD_ENTRY = _fields("rank, user_id, display_name, avatar_url, elo, tier, win_rate")
LEADERBOARD_RESPONSE = _fields("entries, total_players, page, page_size")
PLAYER_RATING = _fields(
    "user_id, display_name, avatar_url, current_elo, peak_elo, current_tier, tier_rank, "
    "win_rate, last_match_date"
)
USER_RANK_RESPONSE = _fields("rank, total_players, rating, nearby_players")
MATCH_RESULT = _fields(
    "match_id, player1_id, player2_id, winner_id, player1_pre_elo, player2_pre_elo, "
    "player1_post_elo, player2_post_elo, elo_delta_p1, elo_delta_p2, played_at"
)
STATS = _fields(
    "user_id, matches_played, wins, losses, draws, win_rate, current_elo, peak_elo, tier, "
    "recent_matches"
)
NOTIFICATION = _fields("id, kind, title, body, data, created_at, read_at")
PAGE = _fields("count, next, previous, results")


def _has(body: dict, fields: set[str], what: str) -> dict:
    assert isinstance(body, dict), (what, body)
    missing = fields - set(body)
    assert not missing, f"{what} lacks {sorted(missing)}: {sorted(body)}"
    return body


def _ok(response, status=200) -> dict | list:
    assert response.status_code == status, response.content
    return response.json()


def test_every_api_object_carries_the_contract_fields(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())  # one seed for every section (slow)
    demo = User.objects.get(email="demo@1v1bro.local")
    for check in (
        _accounts_and_profiles_objects,
        _shop_and_wallet_objects,
        _battle_pass_objects,
        _ranking_objects,
        _notification_objects,
    ):
        check(api_client, demo)


def _accounts_and_profiles_objects(api_client, demo):
    login = {"email": demo.email, "password": "demo-password-1v1"}
    tokens = _ok(api_client.post("/api/v1/auth/login/", login, format="json"))
    _has(tokens, {"access", "refresh", "user"}, "login")
    _has(tokens["user"], USER, "user")
    client = bearer_client(demo)
    _has(_ok(client.get("/api/v1/auth/me/")), USER, "user")
    fresh = {"email": "new@example.com", "password": "a-Long-pass-9", "display_name": "Newcomer"}
    registered = _ok(api_client.post("/api/v1/auth/register/", fresh, format="json"), 201)
    _has(registered["user"], USER, "user")
    rotated = api_client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    _has(_ok(rotated), {"access", "refresh"}, "refresh")
    _has(_ok(client.post("/api/v1/auth/2fa/setup/")), {"secret", "otpauth_url", "qr_code"}, "2fa")

    profile = _has(_ok(client.get("/api/v1/profiles/me/")), PROFILE, "Profile")
    _has(profile["social_links"], SOCIAL_LINKS, "social_links")
    public = _ok(api_client.get(f"/api/v1/profiles/{demo.pk}/"))
    _has(public, PROFILE - {"is_public", "accept_friend_requests", "allow_messages"}, "public")
    upload = {"content_type": "image/png", "size_bytes": 1000}
    signed = _ok(client.post("/api/v1/profiles/me/avatar/upload-url/", upload, format="json"))
    _has(signed, SIGNED_UPLOAD_URL, "SignedUploadUrl")


def _shop_and_wallet_objects(api_client, demo):
    client = bearer_client(demo)
    shop = _has(_ok(api_client.get("/api/v1/cosmetics/")), PAGE, "shop page")
    for item in shop["results"]:
        _has(item, COSMETIC, "Cosmetic")
    on_sale = Cosmetic.objects.filter(price_coins__isnull=False, price_coins__lte=5000).first()
    _has(_ok(api_client.get(f"/api/v1/cosmetics/{on_sale.pk}/")), COSMETIC, "Cosmetic")
    bought = _ok(
        client.post(f"/api/v1/cosmetics/{on_sale.pk}/purchase/", {"currency": "coins"}), 201
    )
    _has(bought, INVENTORY_ITEM, "InventoryItem")
    _has(bought["cosmetic"], COSMETIC, "InventoryItem.cosmetic")
    inventory = _ok(client.get("/api/v1/cosmetics/inventory/"))
    _has(inventory["results"][0], INVENTORY_ITEM, "InventoryItem")
    loadout = _has(_ok(client.post(f"/api/v1/cosmetics/{on_sale.pk}/equip/")), LOADOUT, "Loadout")
    assert loadout["user_id"] == str(demo.pk)
    _has(loadout[f"{on_sale.type}_equipped"], COSMETIC, "Loadout slot")
    _has(_ok(client.get("/api/v1/cosmetics/loadout/")), LOADOUT, "Loadout")
    _has(_ok(client.get("/api/v1/wallet/")), WALLET, "wallet")
    for row in _ok(client.get("/api/v1/wallet/transactions/"))["results"]:
        _has(row, TRANSACTION, "wallet transaction")


def _battle_pass_objects(api_client, demo):
    client = bearer_client(demo)
    season = _has(_ok(api_client.get("/api/v1/battlepass/season/")), SEASON, "Season")
    tiers = _ok(api_client.get(f"/api/v1/battlepass/seasons/{Season.objects.get().pk}/tiers/"))
    kinds = set()
    for tier in tiers:
        _has(tier, TIER, "BattlePassTier")
        for reward in (tier["free_reward"], tier["premium_reward"]):
            if reward is not None:
                _has(reward, REWARD, "Reward")
                kinds.add(reward["type"])
                if reward["type"] == "cosmetic":
                    _has(reward["cosmetic"], COSMETIC, "Reward.cosmetic")
                else:
                    assert reward["cosmetic"] is None
    assert kinds == {"cosmetic", "coins", "xp"}
    progress = _has(_ok(client.get("/api/v1/battlepass/progress/")), PLAYER_BATTLE_PASS, "PBP")
    assert progress["user_id"] == str(demo.pk) and progress["season"]["id"] == season["id"]
    _has(progress["season"], SEASON, "PlayerBattlePass.season")
    tier = progress["claimable_rewards"][0]["tier"]
    claim = _has(_ok(client.post("/api/v1/battlepass/claim/", {"tier": tier})), CLAIM, "claim")
    _has(claim["granted"][0], REWARD, "granted Reward")
    _has(claim["progress"], PLAYER_BATTLE_PASS, "claim.progress")
    bonus = _has(_ok(client.post("/api/v1/battlepass/daily-bonus/")), DAILY_BONUS, "daily bonus")
    _has(bonus["progress"], PLAYER_BATTLE_PASS, "daily bonus progress")
    for challenge in _ok(client.get("/api/v1/battlepass/challenges/")):
        _has(challenge, CHALLENGE, "challenge")
    _has(_ok(client.post("/api/v1/battlepass/premium/")), PLAYER_BATTLE_PASS, "premium")


def _ranking_objects(api_client, demo):
    client = bearer_client(demo)
    for url in ("/api/v1/leaderboards/global/", "/api/v1/leaderboards/regional/US/"):
        board = _has(_ok(api_client.get(url)), LEADERBOARD_RESPONSE, "LeaderboardResponse")
        assert board["entries"]
        for entry in board["entries"]:
            _has(entry, LEADERBOARD_ENTRY, "LeaderboardEntry")
    me = _has(_ok(client.get("/api/v1/leaderboards/me/")), USER_RANK_RESPONSE, "UserRankResponse")
    _has(me["rating"], PLAYER_RATING, "UserRankResponse.rating")
    assert str(demo.pk) in [e["user_id"] for e in me["nearby_players"]]
    for entry in me["nearby_players"]:
        _has(entry, LEADERBOARD_ENTRY, "nearby LeaderboardEntry")
    _has(_ok(api_client.get(f"/api/v1/ratings/{demo.pk}/")), PLAYER_RATING, "PlayerRating")
    stats = _has(_ok(api_client.get(f"/api/v1/stats/{demo.pk}/")), STATS, "stats")
    assert stats["recent_matches"]
    for match in stats["recent_matches"]:
        _has(match, MATCH_RESULT, "MatchResult")
        assert match["elo_delta_p2"] == -match["elo_delta_p1"]
        assert match["player1_post_elo"] - match["player1_pre_elo"] == match["elo_delta_p1"]


def _notification_objects(api_client, demo):
    client = bearer_client(demo)
    page = _has(_ok(client.get("/api/v1/notifications/")), PAGE, "notifications page")
    assert page["results"]
    for notification in page["results"]:
        _has(notification, NOTIFICATION, "notification")
    _has(_ok(client.get("/api/v1/notifications/unread-count/")), {"unread"}, "unread-count")
    read = client.post("/api/v1/notifications/read/", {"all": True}, format="json")
    _has(_ok(read), {"updated"}, "read")
