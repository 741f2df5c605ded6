"""Battle pass endpoints: thin views that validate, call one service or selector, serialize."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from battlepass import selectors, services
from battlepass.errors import SeasonInactive
from battlepass.serializers import (
    BattlePassChallengeSerializer,
    BattlePassClaimRequestSerializer,
    BattlePassClaimResponseSerializer,
    BattlePassDailyBonusSerializer,
    BattlePassSeasonSerializer,
    BattlePassTierSerializer,
    BattlePassTiersPurchaseRequestSerializer,
    PlayerBattlePassSerializer,
    reward_data,
    tier_data,
)
from core.schema import OPTIONAL_AUTH, error_responses


def _progress_body(user, season, progress=None) -> dict:
    view = selectors.player_battlepass(user=user, season=season, progress=progress)
    return PlayerBattlePassSerializer(view, context={"purchased_tiers": view.purchased_tiers}).data


def _active_season():
    season = selectors.season_active_get()
    if season is None:
        raise SeasonInactive()
    return season


class SeasonActiveApi(APIView):
    @extend_schema(
        operation_id="battlepass_season",
        auth=OPTIONAL_AUTH,
        responses={200: BattlePassSeasonSerializer, **error_responses(400)},
        tags=["battlepass"],
        description="The active season; 400 BATTLEPASS_SEASON_INACTIVE when there is none. "
        "With a token, purchased_tiers is the caller's (null without one).",
    )
    def get(self, request):
        season = _active_season()
        purchased = selectors.purchased_tiers_get(user=request.user, season=season)
        return Response(
            BattlePassSeasonSerializer(season, context={"purchased_tiers": purchased}).data
        )


class SeasonTiersApi(APIView):
    @extend_schema(
        operation_id="battlepass_season_tiers",
        responses={200: BattlePassTierSerializer(many=True), **error_responses(404)},
        tags=["battlepass"],
        description="Tiers 1..max_tier of any season, with their free and premium rewards.",
    )
    def get(self, request, season_id):
        season = selectors.season_get(season_id=season_id)
        return Response([tier_data(view) for view in selectors.season_tiers(season=season)])


class ProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_progress",
        responses={200: PlayerBattlePassSerializer, **error_responses(400, 401)},
        tags=["battlepass"],
    )
    def get(self, request):
        return Response(_progress_body(request.user, _active_season()))


class ClaimApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_claim",
        request=BattlePassClaimRequestSerializer,
        responses={
            200: BattlePassClaimResponseSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                e400="BATTLEPASS_TIER_NOT_REACHED, BATTLEPASS_SEASON_INACTIVE or VALIDATION_ERROR",
                e403="BATTLEPASS_PREMIUM_REQUIRED",
                e404="The tier has no reward on that track",
                e409="BATTLEPASS_ALREADY_CLAIMED",
            ),
        },
        tags=["battlepass"],
        description="Claim one track of a tier, or with no track every unclaimed reward of the "
        "tier the player may take. A cosmetic already owned is granted as coins at its price.",
    )
    def post(self, request):
        body = BattlePassClaimRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.battlepass_reward_claim(
            user=request.user,
            tier=body.validated_data["tier"],
            track=body.validated_data.get("track"),
        )
        return Response(
            {
                "tier": result.tier,
                "granted": [reward_data((g.type, g.value, g.cosmetic)) for g in result.granted],
                "progress": _progress_body(request.user, result.progress.season, result.progress),
            }
        )


class PremiumApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_premium",
        request=None,
        responses={
            200: PlayerBattlePassSerializer,
            **error_responses(
                400,
                401,
                402,
                409,
                e402="COSMETIC_INSUFFICIENT_FUNDS",
                e409="BATTLEPASS_ALREADY_PREMIUM",
            ),
        },
        tags=["battlepass"],
        description="Buy the active season's premium pass with premium currency.",
    )
    def post(self, request):
        progress = services.battlepass_premium_purchase(user=request.user)
        return Response(_progress_body(request.user, progress.season, progress))


class TiersPurchaseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_tiers_purchase",
        request=BattlePassTiersPurchaseRequestSerializer,
        responses={
            200: PlayerBattlePassSerializer,
            **error_responses(
                400,
                401,
                402,
                e400="BATTLEPASS_TIERS_NOT_FOR_SALE, BATTLEPASS_SEASON_INACTIVE or "
                "VALIDATION_ERROR (n < 1, not an integer, past max_tier)",
                e402="COSMETIC_INSUFFICIENT_FUNDS",
            ),
        },
        tags=["battlepass"],
        description="Buy n tiers of the active season for n × tier_price premium currency. "
        "Tier = min(max_tier, floor(current_xp / xp_per_tier) + purchased_tiers).",
    )
    def post(self, request):
        body = BattlePassTiersPurchaseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        progress = services.battlepass_tiers_purchase(
            user=request.user, tiers=body.validated_data["tiers"]
        )
        return Response(_progress_body(request.user, progress.season, progress))


class DailyBonusApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_daily_bonus",
        request=None,
        responses={
            200: BattlePassDailyBonusSerializer,
            **error_responses(401, 409, e409="BATTLEPASS_DAILY_BONUS_CLAIMED"),
        },
        tags=["battlepass"],
        description="Once per UTC day: DAILY_BONUS_XP + 10 per consecutive previous day "
        "(extra capped at +50). Works with no active season (profile XP only; progress null).",
    )
    def post(self, request):
        result = services.daily_bonus_claim(user=request.user)
        season = selectors.season_active_get()
        return Response(
            {
                "xp_awarded": result.xp_awarded,
                "streak_days": result.streak_days,
                "next_available_at": result.next_available_at.isoformat().replace("+00:00", "Z"),
                "progress": _progress_body(request.user, season) if season else None,
            }
        )


class ChallengesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="battlepass_challenges",
        responses={200: BattlePassChallengeSerializer(many=True), **error_responses(400, 401)},
        tags=["battlepass"],
        description="The active season's challenges with the caller's progress.",
    )
    def get(self, request):
        items = selectors.season_challenges_for(user=request.user, season=_active_season())
        return Response(BattlePassChallengeSerializer(items, many=True).data)
