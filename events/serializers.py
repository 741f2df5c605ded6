from rest_framework import serializers


class MatchCompletedRequest(serializers.Serializer):
    """The ``data`` object of ``match.completed`` (API.md)."""

    match_id = serializers.UUIDField()
    player1_id = serializers.UUIDField()
    player2_id = serializers.UUIDField()
    winner_id = serializers.UUIDField(allow_null=True, help_text="null for a draw")
    player1_score = serializers.IntegerField(min_value=0)
    player2_score = serializers.IntegerField(min_value=0)
    duration_seconds = serializers.IntegerField(min_value=0)
    player1_kills = serializers.IntegerField(min_value=0)
    player2_kills = serializers.IntegerField(min_value=0)
    player1_streak = serializers.IntegerField(min_value=0)
    player2_streak = serializers.IntegerField(min_value=0)


class MatchAcceptedResponse(serializers.Serializer):
    event_id = serializers.UUIDField()
