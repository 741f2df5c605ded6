"""GET ratings/{user_id}/seasons/: a player's final places in ended seasons with the rewards
the seasons' ends granted. Served by the battle pass, which owns the rewards; the standings
and the privacy rule come from ranking (``ratings/{id}``'s: private → 403 PROFILE_PRIVATE to all
but owner and staff; no such or a deactivated user → 404 LEADERBOARD_USER_NOT_RANKED)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from battlepass.models import Season
from battlepass.season_end import season_end_rewards
from battlepass.serializers import BattlePassRewardSerializer, reward_data
from core.schema import OPTIONAL_AUTH, error_responses
from ranking.models import Tier
from ranking.season_boards import player_season_history


class SeasonHistoryEntrySerializer(serializers.Serializer):
    season_number = serializers.IntegerField()
    name = serializers.CharField()
    final_rank = serializers.IntegerField()
    final_country_rank = serializers.IntegerField(allow_null=True)
    final_elo = serializers.IntegerField()
    final_tier = serializers.ChoiceField(choices=Tier.choices)
    rewards = BattlePassRewardSerializer(many=True)


def _history(user_id, viewer) -> list[dict]:
    from cosmetics.models import Cosmetic

    rows = player_season_history(user_id=user_id, viewer=viewer)
    seasons = Season.objects.in_bulk([r["season_number"] for r in rows], field_name="season_number")
    out = []
    for row in rows:
        season = seasons.get(row["season_number"])
        granted = season_end_rewards(season=season, first=user_id, last=user_id) if season else {}
        rewards = next(iter(granted.values())) if granted else []
        slugs = [r["value"] for r in rewards if r["type"] == "cosmetic"]
        cosmetics = Cosmetic.objects.in_bulk(slugs, field_name="slug")
        out.append(
            {
                **row,
                "rewards": [
                    reward_data((r["type"], r["value"], cosmetics.get(r["value"]))) for r in rewards
                ],
            }
        )
    return out


class PlayerSeasonHistoryApi(APIView):
    @extend_schema(
        operation_id="rating_seasons",
        auth=OPTIONAL_AUTH,
        responses={
            200: SeasonHistoryEntrySerializer(many=True),
            **error_responses(
                403, 404, 429, e403="PROFILE_PRIVATE", e404="LEADERBOARD_USER_NOT_RANKED"
            ),
        },
        tags=["ranking"],
        description="The player's final standings in ended seasons, newest first, with the "
        "rewards each season's end granted (rank rewards, then unclaimed battle-pass rewards).",
    )
    def get(self, request, user_id):
        return Response(_history(user_id, request.user))
