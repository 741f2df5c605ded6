"""From a delivered message to committed handler effects, exactly once per (event, handler).

``parse_message`` turns Pub/Sub bytes into a checked envelope (or ``MalformedEvent``);
``dispatch_envelope`` runs every registered handler of the event type, each in its own
transaction with its ``ProcessedEvent`` row; a duplicate is skipped, a rejection is recorded in
the dead-letter table. Any other exception propagates: the caller nacks and the bus redelivers.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from events import metrics
from events.models import DeadLetter, ProcessedEvent
from events.registry import EventRejected, handler_name, handlers_for
from events.schemas import EventSchemaError, normalize_event

logger = logging.getLogger(__name__)


class MalformedEvent(Exception):
    def __init__(self, reason: str, envelope=None):
        self.reason = reason
        self.envelope = envelope
        super().__init__(reason)


@dataclass
class DispatchResult:
    processed: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)


def check_envelope(envelope) -> dict:
    """The envelope with its data normalised, or ``MalformedEvent`` saying what is wrong."""
    if not isinstance(envelope, dict):
        raise MalformedEvent("envelope is not a JSON object", envelope)
    missing = [k for k in ("event_id", "event_type", "timestamp", "data") if k not in envelope]
    if missing:
        raise MalformedEvent(f"envelope lacks {', '.join(missing)}", envelope)
    try:
        event_id = str(uuid.UUID(str(envelope["event_id"])))
    except ValueError:
        raise MalformedEvent("event_id is not a UUID", envelope)
    try:
        _, data = normalize_event(envelope["event_type"], envelope["data"])
    except EventSchemaError as exc:
        raise MalformedEvent(str(exc), envelope)
    return {**envelope, "event_id": event_id, "data": data}


def parse_message(data: bytes, attributes=None) -> dict:
    try:
        envelope = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise MalformedEvent("message data is not JSON")
    envelope = check_envelope(envelope)
    attributes = attributes or {}
    for key in ("event_id", "event_type"):
        if key in attributes and str(attributes[key]) != str(envelope[key]):
            raise MalformedEvent(f"attribute {key} does not match the envelope", envelope)
    return envelope


def _claim(event_id: str, handler: str, event_type: str, outcome: str = "processed") -> bool:
    """Insert the (event, handler) row; False when it exists already. Concurrent deliveries
    wait on the unique index, so only one of them goes on."""
    prep = ProcessedEvent._meta.get_field("event_id").get_db_prep_value
    table = ProcessedEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, handler, event_type, outcome, processed_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP) "
            "ON CONFLICT (event_id, handler) DO NOTHING RETURNING id",
            [prep(uuid.UUID(event_id), connection), handler, event_type, outcome],
        )
        return cursor.fetchone() is not None


def record_dead_letter(
    *, reason: str, envelope=None, payload: str = "", handler: str = "", source: str = ""
) -> None:
    """Store a refused message with its reason (once per event and handler)."""
    event_id = event_type = None
    if isinstance(envelope, dict):
        try:
            event_id = uuid.UUID(str(envelope.get("event_id")))
        except ValueError:
            event_id = None
        event_type = envelope.get("event_type")
        if not payload:
            payload = json.dumps(envelope, default=str)
    logger.warning(
        "Dead-lettered %s %s%s: %s",
        event_type or "message",
        event_id or "",
        f" ({handler})" if handler else "",
        reason,
    )
    # PostgreSQL text cannot hold NUL: keep it visible, escaped.
    reason, payload = reason.replace("\x00", "\\x00"), payload.replace("\x00", "\\x00")
    try:
        with transaction.atomic():
            DeadLetter.objects.create(
                event_id=event_id,
                event_type=str(event_type or "")[:64],
                handler=handler,
                reason=reason,
                payload=payload[:100_000],
                source=source,
            )
    except IntegrityError:
        pass  # already recorded for this event and handler
    else:
        metrics.dead_letter_stored(event_type, handler)


def dispatch_envelope(envelope: dict, *, source: str = "") -> DispatchResult:
    """Run each handler of the event once; see the module docstring."""
    result = DispatchResult()
    event_id, event_type = envelope["event_id"], envelope["event_type"]
    for fn in handlers_for(event_type):
        name = handler_name(fn)
        started = metrics.clock()
        try:
            with transaction.atomic():
                if not _claim(event_id, name, event_type):
                    result.duplicates += 1
                    metrics.handler_done(event_type, name, "duplicate")
                    continue
                fn(envelope)
        except EventRejected as exc:
            with transaction.atomic():
                if _claim(event_id, name, event_type, outcome="rejected"):
                    record_dead_letter(
                        reason=exc.reason, envelope=envelope, handler=name, source=source
                    )
            result.rejected.append(exc.reason)
            metrics.handler_done(event_type, name, "rejected", started)
        except Exception:
            metrics.handler_done(event_type, name, "failed", started)
            raise
        else:
            result.processed += 1
            metrics.handler_done(event_type, name, "processed", started)
    if result.processed:
        metrics.event_applied(envelope)
    return result
