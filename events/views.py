from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import error_responses
from events.authentication import GameServiceAuthentication, IsGameService
from events.serializers import MatchAcceptedResponse, MatchCompletedRequest
from events.services import match_ingest


class MatchIngestApi(APIView):
    """(service) The game server reports a finished match."""

    authentication_classes = [GameServiceAuthentication]
    permission_classes = [IsGameService]
    throttle_classes: list = []  # one trusted caller; its volume is the game's match rate

    @extend_schema(
        operation_id="matches_create",
        summary="Report a finished match (game server)",
        description="Validates the match and records it as a `match.completed` event, "
        "processed asynchronously (ratings, XP, battle pass). The same `match_id` again answers "
        "202 with the original event id and changes nothing. A field out of its bounds, an "
        "unknown or deactivated player, or a winner who is not a player is a 400 "
        "VALIDATION_ERROR naming the field; nothing is recorded and the match id stays free "
        "for a corrected report. Needs "
        "`Authorization: Bearer <GAME_SERVICE_TOKEN>`.",
        request=MatchCompletedRequest,
        responses={202: MatchAcceptedResponse, **error_responses(400, 401)},
        tags=["matches"],
    )
    def post(self, request):
        serializer = MatchCompletedRequest(data=request.data)
        serializer.is_valid(raise_exception=True)
        event_id, _ = match_ingest(data=dict(serializer.validated_data))
        return Response({"event_id": str(event_id)}, status=status.HTTP_202_ACCEPTED)
