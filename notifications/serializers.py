from rest_framework import serializers

from notifications.models import Notification

MAX_IDS_PER_REQUEST = 100


class NotificationSerializer(serializers.ModelSerializer):
    data = serializers.JSONField(
        help_text="Ids and values of the event behind the notification (depends on `kind`)."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "data", "created_at", "read_at"]
        read_only_fields = fields


class NotificationListQuerySerializer(serializers.Serializer):
    unread_only = serializers.BooleanField(
        required=False, default=False, help_text="Only unread notifications."
    )


class NotificationUnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(min_value=0)


class NotificationMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=MAX_IDS_PER_REQUEST,
        help_text=f"Notifications to mark read (at most {MAX_IDS_PER_REQUEST}). Every id must be "
        "one of the caller's notifications, otherwise 404 NOT_FOUND and nothing changes.",
    )
    all = serializers.BooleanField(
        required=False, help_text="`true`: mark every unread notification of the caller read."
    )

    def validate(self, attrs):
        has_ids, mark_all = "ids" in attrs, attrs.get("all")
        if "all" in attrs and not mark_all:
            raise serializers.ValidationError({"all": ["Only `true` is accepted."]})
        if has_ids == bool(mark_all):
            raise serializers.ValidationError(
                {"non_field_errors": ["Send exactly one of `ids` or `all: true`."]}
            )
        return attrs


class NotificationMarkReadResponseSerializer(serializers.Serializer):
    updated = serializers.IntegerField(
        min_value=0, help_text="How many notifications went from unread to read."
    )
