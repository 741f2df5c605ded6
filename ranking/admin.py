from django.contrib import admin

from core.admin import RecordAdmin
from ranking.models import BoardSize, MatchResult, PlayerRating


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
