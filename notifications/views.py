from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import error_responses
from notifications import selectors, services
from notifications.serializers import (
    NotificationListQuerySerializer,
    NotificationMarkReadBody,
    NotificationMarkReadResponseSerializer,
    NotificationMarkReadSerializer,
    NotificationSerializer,
    NotificationUnreadCountSerializer,
)


class NotificationListApi(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = NotificationListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.notification_list(
            user_id=self.request.user.pk, unread_only=query.validated_data["unread_only"]
        )

    @extend_schema(
        operation_id="notifications_list",
        parameters=[NotificationListQuerySerializer],
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401, 429)},
        tags=["notifications"],
        description="The caller's inbox, newest first.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationUnreadCountApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_unread_count",
        responses={200: NotificationUnreadCountSerializer, **error_responses(401, 429)},
        tags=["notifications"],
    )
    def get(self, request):
        return Response({"unread": selectors.notification_unread_count(user_id=request.user.pk)})


class NotificationMarkReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="notifications_mark_read",
        request=NotificationMarkReadBody,
        responses={
            200: NotificationMarkReadResponseSerializer,
            **error_responses(
                400,
                401,
                404,
                429,
                e404="NOT_FOUND: an id is not one of the caller's notifications (foreign and "
                "unknown ids alike); nothing is marked. `details.ids` lists them.",
            ),
        },
        tags=["notifications"],
        description="Mark notifications read: `{ids: [...]}` or `{all: true}` (exactly one). "
        "Only the caller's own notifications; `updated` counts those that were unread.",
    )
    def post(self, request):
        body = NotificationMarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        updated = services.notifications_mark_read(
            user_id=request.user.pk, ids=data.get("ids"), mark_all=bool(data.get("all"))
        )
        return Response({"updated": updated})
