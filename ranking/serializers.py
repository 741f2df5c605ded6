"""Response shapes of the ranking endpoints (API.md's objects; extra fields follow the listed
ones). The dicts come ready from ``ranking.boards``; these describe them for the schema."""

from rest_framework import serializers

from ranking.models import Tier

PRIVATE_NULL = "null for a private player"


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.UUIDField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True, help_text=f"{PRIVATE_NULL} or none set")
    elo = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    win_rate = serializers.FloatField(
        allow_null=True, help_text=f"wins / matches played, 0..1; {PRIVATE_NULL}"
    )
    is_public = serializers.BooleanField(
        help_text="false: private profile, shown by rank, name, ELO and tier only"
    )
    country = serializers.CharField(allow_null=True, help_text=f"{PRIVATE_NULL} or none set")
    wins = serializers.IntegerField(allow_null=True, help_text=PRIVATE_NULL)
    losses = serializers.IntegerField(allow_null=True, help_text=PRIVATE_NULL)
    draws = serializers.IntegerField(allow_null=True, help_text=PRIVATE_NULL)


class LeaderboardResponseSerializer(serializers.Serializer):
    entries = LeaderboardEntrySerializer(many=True)
    total_players = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


class PlayerRatingResponseSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    current_elo = serializers.IntegerField()
    peak_elo = serializers.IntegerField()
    current_tier = serializers.ChoiceField(choices=Tier.choices)
    tier_rank = serializers.IntegerField(
        allow_null=True,
        help_text="1-based position among the players of the same tier on the global board "
        "(same order as the board); null when not on the board",
    )
    win_rate = serializers.FloatField(help_text="wins / matches played, 0..1")
    last_match_date = serializers.DateTimeField(allow_null=True)
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    matches_played = serializers.IntegerField()
    rank = serializers.IntegerField(
        allow_null=True, help_text="global rank; null when not on the board"
    )


class UserRankResponseSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    total_players = serializers.IntegerField()
    rating = PlayerRatingResponseSerializer()
    nearby_players = LeaderboardEntrySerializer(
        many=True, help_text="up to 5 players above and 5 below, the caller included"
    )
    percentile = serializers.FloatField(
        help_text="share of ranked players at or below the caller, in percent (rank 1 → 100)"
    )


class MatchResultSerializer(serializers.Serializer):
    match_id = serializers.UUIDField()
    player1_id = serializers.UUIDField()
    player2_id = serializers.UUIDField()
    winner_id = serializers.UUIDField(allow_null=True, help_text="null for a draw")
    player1_pre_elo = serializers.IntegerField()
    player2_pre_elo = serializers.IntegerField()
    player1_post_elo = serializers.IntegerField()
    player2_post_elo = serializers.IntegerField()
    elo_delta_p1 = serializers.IntegerField(help_text="what player 1 gained (negative: lost)")
    elo_delta_p2 = serializers.IntegerField(help_text="what player 2 gained: -elo_delta_p1")
    played_at = serializers.DateTimeField()
    is_draw = serializers.BooleanField()
    player1_score = serializers.IntegerField()
    player2_score = serializers.IntegerField()
    duration_seconds = serializers.IntegerField(allow_null=True)


class PlayerStatsResponseSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    matches_played = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    win_rate = serializers.FloatField()
    current_elo = serializers.IntegerField()
    peak_elo = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    recent_matches = MatchResultSerializer(many=True)
