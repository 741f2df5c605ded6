"""GET leaderboards/seasons/{season_number}/: an ended season's frozen final standings."""

from django_countries import countries
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from core.pagination import page_params
from core.schema import error_responses
from ranking.season_boards import season_leaderboard_page
from ranking.serializers import LeaderboardResponseSerializer
from ranking.views import PAGE_PARAMS

COUNTRY_QUERY = OpenApiParameter(
    "country",
    {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    OpenApiParameter.QUERY,
    required=False,
    description="ISO 3166-1 alpha-2 code: that country's players, ranked by country rank",
)


class SeasonLeaderboardApi(APIView):
    @extend_schema(
        operation_id="leaderboard_season",
        parameters=[COUNTRY_QUERY, *PAGE_PARAMS],
        responses={
            200: LeaderboardResponseSerializer,
            **error_responses(400, 404, 429, e404="NOT_FOUND: the season has not ended"),
        },
        tags=["ranking"],
        description="The frozen final standings of an ended season: entries' elo and tier are "
        "the final ones; with country the ranks are country ranks.",
    )
    def get(self, request, season_number: int):
        country = request.query_params.get("country")
        if country is not None:
            country = country.upper()
            if len(country) != 2 or country not in countries:
                raise ValidationFailed(
                    details={"country": ["Must be an ISO 3166-1 alpha-2 country code."]}
                )
        limit, offset = page_params(request)
        return Response(
            season_leaderboard_page(
                season_number=season_number, country=country, offset=offset, limit=limit
            )
        )
