from django.contrib import admin

from core.admin import ReadOnlyAdmin, RecordAdmin
from ranking.models import BoardSize, MatchResult, PlayerRating, SeasonStanding, SeasonStandings


@admin.register(PlayerRating)
class PlayerRatingAdmin(RecordAdmin):
    list_display = (
        "user",
        "current_elo",
        "peak_elo",
        "current_tier",
        "wins",
        "losses",
        "draws",
        "country",
        "listed",
    )
    list_filter = ("current_tier", "listed")
    search_fields = ("user__email",)


@admin.register(MatchResult)
class MatchResultAdmin(RecordAdmin):
    list_display = (
        "match_id",
        "player1",
        "player2",
        "winner",
        "elo_delta_p1",
        "elo_delta_p2",
        "played_at",
    )
    search_fields = ("match_id",)


@admin.register(BoardSize)
class BoardSizeAdmin(admin.ModelAdmin):
    list_display = ("board", "players")
    readonly_fields = ("board", "players")


@admin.register(SeasonStandings)
class SeasonStandingsAdmin(ReadOnlyAdmin):
    list_display = ("season_number", "name", "players", "frozen_at", "published_at")


@admin.register(SeasonStanding)
class SeasonStandingAdmin(ReadOnlyAdmin):
    """The frozen final standings: read-only, filter by season number."""

    list_display = (
        "season_number",
        "final_rank",
        "user",
        "final_elo",
        "final_tier",
        "country",
        "final_country_rank",
    )
    list_filter = ("season_number", "final_tier")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("season_number", "final_rank")
