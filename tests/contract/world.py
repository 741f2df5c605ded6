"""A small game world for the contract tests: players who have bought, equipped and played
(matches applied through ``POST matches/``, so ratings, boards, XP and notifications exist), a
shop and an active season with tiers. Built inside the test's transaction."""

from dataclasses import dataclass

from django.test import Client

from accounts.tokens import issue_tokens
from cosmetics import services as cosmetics
from cosmetics.models import CosmeticType, Rarity
from tests.battlepass.factories import SeasonFactory, coin_tiers
from tests.cosmetics.factories import CosmeticFactory
from tests.events.conftest import SERVICE_TOKEN, match_payload
from tests.factories import UserFactory


@dataclass
class World:
    player: object  # the caller of authenticated requests
    rival: object
    private_player: object
    season: object

    def access_token(self) -> str:
        return issue_tokens(self.player)["access"]


def build_world(settings, run_on_commit) -> World:
    """``run_on_commit`` is pytest-django's ``django_capture_on_commit_callbacks``: the after-commit
    work (event dispatch, leaderboard writes) runs at once, as it would after a real commit."""
    settings.GAME_SERVICE_TOKEN = SERVICE_TOKEN
    player, rival = UserFactory(), UserFactory()
    private_player = UserFactory()
    private_player.profile.is_public = False
    private_player.profile.save()
    season = SeasonFactory()
    coin_tiers(season, 10)
    shop = [
        CosmeticFactory(type=kind, rarity=rarity, price_coins=100 * (i + 1), is_limited=i % 2 == 0)
        for i, (kind, rarity) in enumerate(
            zip(CosmeticType.values, Rarity.values * 2, strict=False)
        )
    ]
    CosmeticFactory(type=CosmeticType.SKIN, price_coins=None, price_premium=50)
    with run_on_commit(execute=True):
        cosmetics.wallet_change(user=player, currency="coins", amount=5000, reason="grant")
        cosmetics.wallet_change(user=player, currency="premium", amount=1000, reason="grant")
        for item in shop[:2]:
            cosmetics.cosmetic_purchase(user=player, cosmetic_id=item.pk, currency="coins")
        cosmetics.loadout_equip(user=player, cosmetic_id=shop[0].pk)
        service = Client(headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
        for p1, p2, winner in [(player, rival, "p1"), (player, private_player, None)]:
            response = service.post(
                "/api/v1/matches/", match_payload(p1, p2, winner=winner), "application/json"
            )
            assert response.status_code == 202, response.content
    return World(player=player, rival=rival, private_player=private_player, season=season)
