"""``publish()``: the one way any app emits an event (transactional outbox)."""

import uuid

from django.db import transaction
from django.utils import timezone

from events.models import OutboxEvent
from events.schemas import validate_event


def build_envelope(event_type: str, data: dict, event_id: uuid.UUID | None = None) -> dict:
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def publish(event_type: str, data: dict) -> OutboxEvent:
    """Validate ``data`` against the event's schema and write it to the outbox in the caller's
    transaction; after commit a relay publishes it. A rollback leaves no event."""
    schema = validate_event(event_type, data)
    envelope = build_envelope(event_type, data)
    with transaction.atomic():
        row = OutboxEvent.objects.create(
            event_id=envelope["event_id"],
            event_type=event_type,
            topic=schema.topic,
            envelope=envelope,
        )
    from events.tasks import relay_outbox

    transaction.on_commit(lambda: relay_outbox.delay())
    return row
