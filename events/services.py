"""``publish()``: the one way any app emits an event (transactional outbox), and the outbox's
maintenance services (re-queue parked rows, prune published ones)."""

import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from events.models import OutboxEvent
from events.schemas import normalize_event

logger = logging.getLogger(__name__)


def build_envelope(event_type: str, data: dict, event_id: uuid.UUID | None = None) -> dict:
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "timestamp": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def publish(event_type: str, data: dict, *, event_id: uuid.UUID | None = None) -> OutboxEvent:
    """Validate ``data`` against the event's schema and write it to the outbox in the caller's
    transaction; after commit a relay publishes it. A rollback leaves no event."""
    schema, clean = normalize_event(event_type, data)
    envelope = build_envelope(event_type, clean, event_id)
    # One INSERT, no savepoint: a failure aborts the caller's transaction, as it must.
    row = OutboxEvent.objects.create(
        event_id=uuid.UUID(envelope["event_id"]),
        event_type=event_type,
        topic=schema.topic,
        envelope=envelope,
    )
    transaction.on_commit(request_relay)
    return row


def publish_many(events: list[tuple[str, dict]]) -> int:
    """``publish`` for many events (a batch handler's follow-ups, a season end's notices): each
    validated the same way, all written to the outbox in one COPY in the caller's transaction
    (PostgreSQL; one INSERT elsewhere). Returns the number written."""
    rows = []
    for event_type, data in events:
        schema, clean = normalize_event(event_type, data)
        envelope = build_envelope(event_type, clean)
        rows.append((envelope["event_id"], event_type, schema.topic, envelope))
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        now = timezone.now()
        columns = "event_id, event_type, topic, envelope, created_at, attempts, last_error"
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {OutboxEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for event_id, kind, topic, envelope in rows:
                copy.write_row((event_id, kind, topic, json.dumps(envelope), now, 0, ""))
    else:
        OutboxEvent.objects.bulk_create(
            OutboxEvent(event_id=uuid.UUID(i), event_type=k, topic=t, envelope=e)
            for i, k, t, e in rows
        )
    transaction.on_commit(request_relay)
    return len(rows)


def request_relay() -> None:
    """Queue one relay run. With a broker, a short-lived Redis flag collapses a burst of commits
    into one queued task (the task clears the flag before it reads the outbox, so nothing
    committed before the flag was set can be missed); beat sweeps the rest."""
    from events.tasks import relay_outbox

    if not relay_outbox.app.conf.task_always_eager:
        from core.redis import get_redis, rkey

        client = get_redis()
        if client is not None:
            try:
                if not client.set(rkey("events", "relay-queued"), "1", nx=True, ex=30):
                    return
            except Exception:  # Redis down: queue anyway
                logger.warning("Relay flag unavailable; queueing a relay", exc_info=True)
    try:
        relay_outbox.delay()
    except Exception:  # broker down: beat's sweep publishes the row later
        logger.warning("Could not queue the outbox relay; the sweep will", exc_info=True)


def clear_relay_flag() -> None:
    from core.redis import get_redis, rkey

    client = get_redis()
    if client is not None:
        try:
            client.delete(rkey("events", "relay-queued"))
        except Exception:
            logger.warning("Relay flag unavailable", exc_info=True)


@transaction.atomic
def outbox_requeue(*, event_ids) -> int:
    """Put parked (or pending) rows back in the queue with a fresh attempt budget."""
    count = (
        OutboxEvent.objects.filter(event_id__in=list(event_ids), published_at__isnull=True)
        .select_for_update()
        .update(failed_at=None, attempts=0, next_attempt_at=None, last_error="")
    )
    if count:
        transaction.on_commit(request_relay)
    return count


def outbox_prune(*, older_than: timedelta | None = None, batch_size: int = 5000) -> int:
    """Delete published rows older than the retention period, in batches; returns the count."""
    if older_than is None:
        older_than = timedelta(hours=settings.OUTBOX_RETENTION_HOURS)
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(published_at__lt=cutoff).values_list("event_id", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return deleted
        deleted += OutboxEvent.objects.filter(event_id__in=ids).delete()[0]


@transaction.atomic
def match_ingest(*, data: dict) -> tuple[uuid.UUID, bool]:
    """Record a finished match reported by the game server: checked, then written to the outbox
    as ``match.completed``. Returns (event id, created); a match id seen before returns the
    event id it was first recorded with and changes nothing."""
    from core.errors import ValidationFailed
    from events.models import IngestedMatch
    from events.registry import problems_for
    from events.schemas import EventSchemaError

    try:
        _, clean = normalize_event("match.completed", data)
    except EventSchemaError as exc:
        raise ValidationFailed(details=exc.problems)
    seen = IngestedMatch.objects.filter(match_id=clean["match_id"]).first()
    if seen is not None:
        return seen.event_id, False
    problems = problems_for("match.completed", clean)  # the domain's checks (players)
    if problems:
        raise ValidationFailed(details=problems)
    event_id = uuid.uuid4()
    try:
        with transaction.atomic():
            IngestedMatch.objects.create(match_id=clean["match_id"], event_id=event_id)
    except IntegrityError:  # the same match reported concurrently: theirs won
        return IngestedMatch.objects.get(match_id=clean["match_id"]).event_id, False
    publish("match.completed", clean, event_id=event_id)
    return event_id, True
