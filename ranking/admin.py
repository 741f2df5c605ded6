from django.contrib import admin

from ranking.models import BoardSize, MatchResult, PlayerRating


@admin.register(PlayerRating)
class PlayerRatingAdmin(admin.ModelAdmin):
    list_display = ("user", "current_elo", "peak_elo", "tier", "wins", "losses", "draws", "country")
    list_filter = ("tier", "listed")
    search_fields = ("user__email",)
    readonly_fields = [f.name for f in PlayerRating._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MatchResult)
class MatchResultAdmin(admin.ModelAdmin):
    list_display = ("match_id", "player1", "player2", "winner", "elo_delta", "played_at")
    search_fields = ("match_id",)
    readonly_fields = [f.name for f in MatchResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(BoardSize)
class BoardSizeAdmin(admin.ModelAdmin):
    list_display = ("board", "players")
    readonly_fields = ("board", "players")
