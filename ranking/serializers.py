from rest_framework import serializers


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.UUIDField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True, help_text="null for private profiles")
    is_public = serializers.BooleanField(
        help_text="false: private profile, shown by display name only (no avatar, no link)"
    )
    country = serializers.CharField(allow_null=True)
    elo = serializers.IntegerField()
    tier = serializers.CharField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    win_rate = serializers.FloatField(help_text="wins / matches played, 0..1")


class LeaderboardResponseSerializer(serializers.Serializer):
    entries = LeaderboardEntrySerializer(many=True)
    total_players = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()


class UserRankResponseSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    rank = serializers.IntegerField()
    elo = serializers.IntegerField()
    tier = serializers.CharField()
    total_players = serializers.IntegerField()
    percentile = serializers.FloatField(
        help_text="share of ranked players at or below the caller, in percent (rank 1 → 100)"
    )
    nearby = LeaderboardEntrySerializer(many=True, help_text="up to 5 above and 5 below")


class PlayerRatingResponseSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    current_elo = serializers.IntegerField()
    peak_elo = serializers.IntegerField()
    tier = serializers.CharField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    matches_played = serializers.IntegerField()
    win_rate = serializers.FloatField()
    last_match_date = serializers.DateTimeField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True, help_text="null when not on the boards")


class MatchResultSerializer(serializers.Serializer):
    match_id = serializers.UUIDField()
    player1_id = serializers.UUIDField()
    player2_id = serializers.UUIDField()
    winner_id = serializers.UUIDField(allow_null=True)
    is_draw = serializers.BooleanField()
    player1_score = serializers.IntegerField()
    player2_score = serializers.IntegerField()
    duration_seconds = serializers.IntegerField(allow_null=True)
    player1_elo_before = serializers.IntegerField()
    player1_elo_after = serializers.IntegerField()
    player2_elo_before = serializers.IntegerField()
    player2_elo_after = serializers.IntegerField()
    elo_delta = serializers.IntegerField(
        help_text="what player 1 gained; player 2 gained -elo_delta"
    )
    played_at = serializers.DateTimeField()


class PlayerStatsResponseSerializer(serializers.Serializer):
    user_id = serializers.UUIDField()
    matches_played = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    win_rate = serializers.FloatField()
    current_elo = serializers.IntegerField()
    peak_elo = serializers.IntegerField()
    tier = serializers.CharField()
    recent_matches = MatchResultSerializer(many=True)
