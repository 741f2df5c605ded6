from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from notifications.models import Notification

MAX_IDS_PER_REQUEST = 100


class NotificationSerializer(serializers.ModelSerializer):
    data = serializers.DictField(
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


def _ids_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.UUIDField(),
        max_length=MAX_IDS_PER_REQUEST,
        help_text=f"Notifications to mark read (at most {MAX_IDS_PER_REQUEST}). Every id must be "
        "one of the caller's notifications, otherwise 404 NOT_FOUND and nothing changes.",
        **kwargs,
    )


_ALL_HELP = "`true`: mark every unread notification of the caller read."


class NotificationMarkReadSerializer(serializers.Serializer):
    ids = _ids_field(required=False)
    all = serializers.BooleanField(required=False, help_text=_ALL_HELP)

    def validate(self, attrs):
        """Exactly one of ``ids`` and ``all: true`` (``all: false`` beside ``ids`` is no
        request to mark all, so it is allowed there)."""
        has_ids, mark_all = "ids" in attrs, attrs.get("all")
        if "all" in attrs and not mark_all and not has_ids:
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


# The body's schema: exactly one of the two shapes (the serializer above enforces it).
class NotificationMarkReadIdsSerializer(serializers.Serializer):
    ids = _ids_field()


@extend_schema_field({"type": "boolean", "enum": [True]})
class _TrueField(serializers.BooleanField):
    """``all`` of the read-all body: documented as the literal ``true``."""


class NotificationMarkReadAllSerializer(serializers.Serializer):
    all = _TrueField(help_text=_ALL_HELP)


NotificationMarkReadBody = PolymorphicProxySerializer(
    component_name="NotificationMarkRead",
    serializers=[NotificationMarkReadIdsSerializer, NotificationMarkReadAllSerializer],
    resource_type_field_name=None,
)
