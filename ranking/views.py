"""Ranking endpoints: they parse input, call one read in ``ranking.boards`` and return its dict
(already in the documented shape; the serializers describe it for the schema)."""

from django_countries import countries
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from core.pagination import page_parameters, page_params
from core.schema import OPTIONAL_AUTH, error_responses
from ranking import board_pages, boards
from ranking.serializers import (
    LeaderboardResponseSerializer,
    PlayerRatingResponseSerializer,
    PlayerStatsResponseSerializer,
    UserRankResponseSerializer,
)

TAGS = ["ranking"]
PAGE_PARAMS = page_parameters()
COUNTRY_PARAM = OpenApiParameter(
    "country",
    {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    OpenApiParameter.PATH,
    description="ISO 3166-1 alpha-2 code, any letter case (an unknown code is a 400)",
)


class GlobalLeaderboardApi(APIView):
    @extend_schema(
        operation_id="leaderboard_global",
        parameters=PAGE_PARAMS,
        responses={200: LeaderboardResponseSerializer, **error_responses(400, 429)},
        tags=TAGS,
    )
    def get(self, request):
        limit, offset = page_params(request)
        return Response(board_pages.leaderboard_page(country=None, offset=offset, limit=limit))


class RegionalLeaderboardApi(APIView):
    @extend_schema(
        operation_id="leaderboard_regional",
        parameters=[COUNTRY_PARAM, *PAGE_PARAMS],
        responses={200: LeaderboardResponseSerializer, **error_responses(400, 429)},
        tags=TAGS,
    )
    def get(self, request, country: str):
        code = country.upper()
        if len(code) != 2 or code not in countries:
            raise ValidationFailed(
                details={"country": ["Must be an ISO 3166-1 alpha-2 country code."]}
            )
        limit, offset = page_params(request)
        return Response(board_pages.leaderboard_page(country=code, offset=offset, limit=limit))


class MyRankApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="leaderboard_me",
        responses={
            200: UserRankResponseSerializer,
            **error_responses(401, 404, 429, e404="LEADERBOARD_USER_NOT_RANKED"),
        },
        tags=TAGS,
    )
    def get(self, request):
        return Response(board_pages.user_rank(user=request.user))


class PlayerRatingApi(APIView):
    @extend_schema(
        operation_id="rating_retrieve",
        description="A player's rating. A private player's answers 403 PROFILE_PRIVATE to anyone "
        "but the owner and staff; no such user, a deactivated one or one who never played "
        "answers 404 LEADERBOARD_USER_NOT_RANKED.",
        auth=OPTIONAL_AUTH,
        responses={
            200: PlayerRatingResponseSerializer,
            **error_responses(
                403, 404, 429, e403="PROFILE_PRIVATE", e404="LEADERBOARD_USER_NOT_RANKED"
            ),
        },
        tags=TAGS,
    )
    def get(self, request, user_id):
        return Response(board_pages.rating_detail(user_id=user_id, viewer=request.user))


class PlayerStatsApi(APIView):
    @extend_schema(
        operation_id="stats_retrieve",
        description="A player's record and recent matches. A private player's answers 403 "
        "PROFILE_PRIVATE to anyone but the owner and staff; no such or a deactivated user "
        "answers 404 PROFILE_NOT_FOUND, one who never played LEADERBOARD_USER_NOT_RANKED.",
        auth=OPTIONAL_AUTH,
        responses={
            200: PlayerStatsResponseSerializer,
            **error_responses(
                403,
                404,
                429,
                e403="PROFILE_PRIVATE",
                e404="PROFILE_NOT_FOUND or LEADERBOARD_USER_NOT_RANKED",
            ),
        },
        tags=TAGS,
    )
    def get(self, request, user_id):
        return Response(boards.player_stats(user_id=user_id, viewer=request.user))
