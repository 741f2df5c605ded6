"""``POST matches/``: its body is the ``data`` of ``match.completed``, so the request fields are
made from that event's schema and checked by the schema's own rule (``schemas.check_field``):
types and bounds are the same on REST and on Pub/Sub, and the OpenAPI schema shows them."""

from rest_framework import serializers

from events.schemas import EVENT_SCHEMAS, Field, check_field


class _SchemaChecked:
    """A DRF field whose value is checked and normalised by its event-schema ``Field``."""

    def __init__(self, event_field: Field, **kwargs):
        self.event_field = event_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value, error = check_field(self.event_field, data)
        if error:
            raise serializers.ValidationError(f"{error[0].upper()}{error[1:]}.")
        return value


class EventUUIDField(_SchemaChecked, serializers.UUIDField):
    pass


class EventIntegerField(_SchemaChecked, serializers.IntegerField):
    """A JSON integer only (a boolean, a float or a string is refused, as on the bus)."""


def _request_field(field: Field) -> serializers.Field:
    common = {"allow_null": field.nullable, "help_text": field.help or None}
    if field.kind == "uuid":
        return EventUUIDField(field, **common)
    if field.kind == "count":
        return EventIntegerField(field, min_value=field.minimum, max_value=field.maximum, **common)
    raise TypeError(f"No request field for event field kind {field.kind!r}")


MatchCompletedRequest = type(
    "MatchCompletedRequest",
    (serializers.Serializer,),
    {
        "__doc__": "The `data` object of `match.completed` (API.md), with its bounds.",
        "__module__": __name__,
        **{f.name: _request_field(f) for f in EVENT_SCHEMAS["match.completed"].fields},
    },
)


class MatchAcceptedResponse(serializers.Serializer):
    event_id = serializers.UUIDField()
