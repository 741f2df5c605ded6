"""A client generated from the served schema (openapi-python-client) plays a real session
against a live server: register, log in, profile, shop with filters, an idempotent purchase,
equip, loadout, wallet, battle pass, a match through ``POST matches/`` (the game server's
path), leaderboards/me and notifications. Every response is parsed into its typed model."""

import uuid

import pytest

from cosmetics import services as cosmetics
from cosmetics.models import CosmeticType, Rarity
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.contract.generated_client import assert_fully_typed, generate
from tests.cosmetics.factories import CosmeticFactory
from tests.events.conftest import SERVICE_TOKEN, match_payload
from tests.factories import UserFactory

PASSWORD = "Correct-Horse-42!"

# The response fields this flow reads, by API.md object: the one place to follow a rename.
FIELDS = {
    "battlepass_xp": "current_xp",  # PlayerBattlePass
    "my_rank": "rank",  # UserRankResponse
}


def field(model, key: str):
    return getattr(model, FIELDS[key])


class Flow:
    """Calls one generated operation and checks its status and typed result."""

    def __init__(self, package):
        self.package = package
        self.models = package.models

    def op(self, dotted: str):
        tag, name = dotted.split(".")
        module = __import__(f"{self.package.__name__}.api.{tag}.{name}", fromlist=[name])
        return module

    def call(self, dotted: str, status: int, model: str | None, **kwargs):
        response = self.op(dotted).sync_detailed(**kwargs)
        assert response.status_code == status, (dotted, response.status_code, response.content)
        if model is not None:
            assert isinstance(response.parsed, getattr(self.models, model)), (dotted, response)
            assert_fully_typed(response.parsed, dotted)
        return response


@pytest.fixture
def shop(db):
    return {
        "cheap_skin": CosmeticFactory(type=CosmeticType.SKIN, rarity=Rarity.RARE, price_coins=100),
        "dear_skin": CosmeticFactory(type=CosmeticType.SKIN, rarity=Rarity.EPIC, price_coins=900),
        "emote": CosmeticFactory(type=CosmeticType.EMOTE, rarity=Rarity.RARE, price_coins=200),
        "limited": CosmeticFactory(type=CosmeticType.SKIN, price_coins=150, is_limited=True),
    }


@pytest.mark.django_db(transaction=True)
def test_generated_client_plays_a_session(live_server, tmp_path, settings, shop):
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    season = SeasonFactory()
    coin_tiers(season, 10)
    rival = UserFactory()
    package = generate(live_server.url, tmp_path)
    flow, models = Flow(package), package.models
    anonymous = package.Client(base_url=live_server.url)

    # register, log in; a bad token is refused even where none is needed
    email = f"gen-{uuid.uuid4().hex[:8]}@example.com"
    body = models.RegisterRequest(email=email, password=PASSWORD, display_name="GenClient")
    registered = flow.call("auth.auth_register", 201, "AuthResponse", client=anonymous, body=body)
    login = flow.call(
        "auth.auth_login",
        200,
        "AuthResponse",
        client=anonymous,
        body=models.LoginRequest(email=email, password=PASSWORD),
    ).parsed
    assert login.user.id == registered.parsed.user.id
    me = package.AuthenticatedClient(base_url=live_server.url, token=login.access)
    garbage = package.AuthenticatedClient(base_url=live_server.url, token="not-a-jwt")
    refused = flow.call("cosmetics.cosmetics_shop_list", 401, "ErrorEnvelope", client=garbage)
    assert refused.parsed.error.code == "AUTH_TOKEN_INVALID"

    # own profile as the full model; another player's as the same model, privacy fields null
    profile = flow.call("profiles.profiles_me_retrieve", 200, "Profile", client=me).parsed
    assert profile.is_public is True and str(profile.user_id) == str(login.user.id)
    other = flow.call(
        "profiles.profiles_retrieve", 200, "Profile", client=anonymous, user_id=rival.pk
    ).parsed
    assert other.is_public is None and other.allow_messages is None

    # the shop with filters: lists repeated, booleans and integer prices as the schema says
    skins = flow.call(
        "cosmetics.cosmetics_shop_list",
        200,
        "PaginatedCosmeticList",
        client=me,
        type_=[models.CosmeticsShopListTypeItem("skin")],
        rarity=[models.CosmeticsShopListRarityItem(r) for r in ("rare", "epic")],
        ordering=[models.CosmeticsShopListOrderingItem(o) for o in ("-price", "name")],
        is_limited=False,
        min_price=50,
        max_price=1000,
        limit=10,
    ).parsed
    assert [c.id for c in skins.results] == [shop["dear_skin"].pk, shop["cheap_skin"].pk]

    # buy with an Idempotency-Key: the repeat replays, charging once
    cosmetics.wallet_change(user=_user(login), currency="coins", amount=1000, reason="test grant")
    purchase = {
        "client": me,
        "id": shop["cheap_skin"].pk,
        "body": models.CosmeticPurchaseRequest(currency=models.CurrencyEnum("coins")),
        "idempotency_key": "buy-cheap-skin-1",
    }
    first = flow.call("cosmetics.cosmetics_purchase", 201, "InventoryItem", **purchase)
    again = flow.call("cosmetics.cosmetics_purchase", 201, "InventoryItem", **purchase)
    assert again.parsed.id == first.parsed.id and again.headers["Idempotent-Replayed"] == "true"
    wallet = flow.call("wallet.wallet_retrieve", 200, "Wallet", client=me).parsed
    assert wallet.coins == 900

    # equip, loadout, ledger
    equipped = flow.call(
        "cosmetics.cosmetics_equip", 200, "Loadout", client=me, id=shop["cheap_skin"].pk
    ).parsed
    assert equipped.skin_equipped.id == shop["cheap_skin"].pk and equipped.emote_equipped is None
    loadout = flow.call("cosmetics.cosmetics_loadout", 200, "Loadout", client=me).parsed
    assert loadout.skin_equipped.id == shop["cheap_skin"].pk
    flow.call("cosmetics.cosmetics_inventory", 200, "PaginatedInventoryItemList", client=me)
    ledger = flow.call(
        "wallet.wallet_transactions", 200, "PaginatedWalletTransactionList", client=me
    ).parsed
    assert [row.amount for row in ledger.results] == [-100, 1000]

    # a match through the game server's path, then battle pass, boards and notifications
    service = package.AuthenticatedClient(base_url=live_server.url, token=SERVICE_TOKEN)
    player = _user(login)
    flow.call(
        "matches.matches_create",
        202,
        "MatchAcceptedResponse",
        client=service,
        body=models.MatchCompletedRequest.from_dict(match_payload(player, rival, winner="p1")),
    )
    progress = flow.call("battlepass.battlepass_progress", 200, "PlayerBattlePass", client=me)
    assert field(progress.parsed, "battlepass_xp") > 0
    flow.call("battlepass.battlepass_season", 200, "BattlePassSeason", client=anonymous)
    flow.call(
        "battlepass.battlepass_season_tiers",
        200,
        None,
        client=anonymous,
        season_id=season.pk,
    )
    rank = flow.call("ranking.leaderboard_me", 200, "UserRankResponse", client=me).parsed
    assert field(rank, "my_rank") == 1
    flow.call("ranking.leaderboard_global", 200, "LeaderboardResponse", client=anonymous, limit=5)
    flow.call("ranking.rating_retrieve", 200, "PlayerRatingResponse", client=me, user_id=player.pk)
    flow.call("ranking.stats_retrieve", 200, "PlayerStatsResponse", client=me, user_id=player.pk)

    inbox = flow.call(
        "notifications.notifications_list", 200, "PaginatedNotificationList", client=me
    ).parsed
    kinds = {n.kind.value for n in inbox.results}
    assert "cosmetic_purchased" in kinds, kinds
    marked = flow.call(
        "notifications.notifications_mark_read",
        200,
        "NotificationMarkReadResponse",
        client=me,
        body=models.NotificationMarkReadIdsRequest(ids=[inbox.results[0].id]),
    ).parsed
    assert marked.updated == 1
    flow.call(
        "notifications.notifications_mark_read",
        200,
        "NotificationMarkReadResponse",
        client=me,
        body=models.NotificationMarkReadAllRequest(all_=True),
    )
    unread = flow.call(
        "notifications.notifications_unread_count", 200, "NotificationUnreadCount", client=me
    ).parsed
    assert unread.unread == 0

    # the typed-model check has teeth: an undeclared field or a missing one is caught
    with pytest.raises(AssertionError, match="undeclared"):
        assert_fully_typed(models.Wallet.from_dict({"coins": 1, "premium": 2, "gems": 3}))
    with pytest.raises(AssertionError, match="UNSET"):
        assert_fully_typed(
            models.Profile.from_dict({**profile.to_dict(), "bio": package.types.UNSET})
        )


def _user(login):
    from accounts.models import User

    return User.objects.get(pk=login.user.id)
