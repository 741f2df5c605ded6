"""From delivered messages to committed handler effects, exactly once per (event, handler).

``parse_message`` turns Pub/Sub bytes into a checked envelope (or ``MalformedEvent``);
``dispatch_batch`` runs every registered handler over a list of envelopes, once over the events
it has not applied yet, in one transaction with their ``ProcessedEvent`` rows (one INSERT): a
batch handler with the list, a one-event handler per event, each event in a savepoint (so one
commit per batch, not per event). A duplicate is skipped, a rejection is recorded in the
dead-letter table. When a batch's transaction fails it is
split in halves and each half retried, down to the single event, so one poison event neither
blocks nor redoes its neighbours; the events that still fail alone are returned in ``failed``
(the caller nacks them and the bus redelivers). ``dispatch_envelope`` is the one-event form,
raising that failure.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction

from events import metrics
from events.models import DeadLetter, ProcessedEvent
from events.registry import EventRejected, handler_name, handlers_for, is_batch
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
    failed: dict[str, Exception] = field(default_factory=dict)  # event id → the failure


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


def _claim_many(event_ids: list[str], handler: str, event_type: str) -> set[str]:
    """``_claim`` for many events in one INSERT: the ids claimed now (the others were before)."""
    if len(event_ids) == 1:
        return set(event_ids) if _claim(event_ids[0], handler, event_type) else set()
    prep = ProcessedEvent._meta.get_field("event_id").get_db_prep_value
    table = ProcessedEvent._meta.db_table
    rows, params = [], []
    for event_id in sorted(set(event_ids)):  # one order: concurrent claims never cross
        rows.append("(%s, %s, %s, 'processed', CURRENT_TIMESTAMP)")
        params += [prep(uuid.UUID(event_id), connection), handler, event_type]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, handler, event_type, outcome, processed_at) "  # noqa: S608
            f"VALUES {', '.join(rows)} ON CONFLICT (event_id, handler) DO NOTHING "
            "RETURNING event_id",
            params,
        )
        return {str(uuid.UUID(str(row[0]))) for row in cursor.fetchall()}


def _mark_rejected(event_ids, handler: str) -> None:
    ProcessedEvent.objects.filter(
        event_id__in=[uuid.UUID(e) for e in event_ids], handler=handler
    ).update(outcome="rejected")


def _apply(fn, name: str, event_type: str, envelopes: list[dict], source: str):
    """One transaction: claim, apply the fresh events. Returns (fresh, duplicates, rejected,
    failed)."""
    with transaction.atomic():
        claimed = _claim_many([e["event_id"] for e in envelopes], name, event_type)
        fresh, duplicates = [], []
        for envelope in envelopes:
            if envelope["event_id"] in claimed:
                claimed.discard(envelope["event_id"])  # the same event twice in one batch
                fresh.append(envelope)
            else:
                duplicates.append(envelope)
        rejected: dict[str, str] = {}
        failed: dict[str, Exception] = {}
        if fresh and is_batch(fn):
            rejected = dict(fn(fresh) or {})
        elif len(fresh) == 1:
            fn(fresh[0])  # a refusal propagates: ``_run`` records it
        elif fresh:
            rejected, failed = _each(fn, fresh)
        if failed:  # retried on redelivery as if never seen
            ProcessedEvent.objects.filter(
                event_id__in=[uuid.UUID(e) for e in failed], handler=name
            ).delete()
        if rejected:
            _mark_rejected(rejected, name)
            for envelope in fresh:
                if envelope["event_id"] in rejected:
                    record_dead_letter(
                        reason=rejected[envelope["event_id"]],
                        envelope=envelope,
                        handler=name,
                        source=source,
                    )
    return fresh, duplicates, rejected, failed


def _each(fn, envelopes: list[dict]) -> tuple[dict[str, str], dict[str, Exception]]:
    """A one-event handler over several events in the batch's transaction, each event in a
    savepoint: a refusal or a failure rolls back that event's effects alone (returned as
    rejected or failed: called once per delivery, as alone). A failure that leaves the
    transaction unusable fails the batch at its next statement, which ``_run`` then splits."""
    rejected, failed = {}, {}
    for envelope in envelopes:
        try:
            with transaction.atomic():
                fn(envelope)
        except EventRejected as exc:
            rejected[envelope["event_id"]] = exc.reason
        except Exception as exc:  # noqa: BLE001 - reported in ``failed``, nacked
            failed[envelope["event_id"]] = exc
    return rejected, failed


def _run(fn, name: str, event_type: str, envelopes: list[dict], result, source: str) -> list:
    """Apply ``envelopes`` with one handler (bisecting a failing batch); returns the envelopes
    applied now."""
    started = metrics.clock()
    try:
        fresh, duplicates, rejected, failed = _apply(fn, name, event_type, envelopes, source)
    except EventRejected as exc:  # a one-event handler refused it
        envelope = envelopes[0]
        with transaction.atomic():
            if _claim(envelope["event_id"], name, event_type, outcome="rejected"):
                record_dead_letter(
                    reason=exc.reason, envelope=envelope, handler=name, source=source
                )
        result.rejected.append(exc.reason)
        metrics.handler_done(event_type, name, "rejected", started)
        return []
    except Exception as exc:  # noqa: BLE001 - bisected, then reported in ``failed``
        if len(envelopes) > 1:
            half = len(envelopes) // 2
            return _run(fn, name, event_type, envelopes[:half], result, source) + _run(
                fn, name, event_type, envelopes[half:], result, source
            )
        logger.warning("Handler %s failed on %s: %r", name, envelopes[0]["event_id"], exc)
        result.failed.setdefault(envelopes[0]["event_id"], exc)
        metrics.handler_done(event_type, name, "failed", started)
        return []
    share = (metrics.clock() - started) / max(1, len(envelopes))
    for _envelope in duplicates:
        result.duplicates += 1
        metrics.handler_done(event_type, name, "duplicate")
    applied = []
    for envelope in fresh:
        if envelope["event_id"] in failed:
            exc = failed[envelope["event_id"]]
            logger.warning("Handler %s failed on %s: %r", name, envelope["event_id"], exc)
            result.failed.setdefault(envelope["event_id"], exc)
            metrics.handler_done(event_type, name, "failed", metrics.clock() - share)
        elif envelope["event_id"] in rejected:
            result.rejected.append(rejected[envelope["event_id"]])
            metrics.handler_done(event_type, name, "rejected", metrics.clock() - share)
        else:
            result.processed += 1
            applied.append(envelope)
            metrics.handler_done(event_type, name, "processed", metrics.clock() - share)
    return applied


def dispatch_batch(envelopes: list[dict], *, source: str = "") -> DispatchResult:
    """Run each handler over the checked envelopes, in their order; see the module docstring."""
    result = DispatchResult()
    by_type: dict[str, list[dict]] = {}
    for envelope in envelopes:
        by_type.setdefault(envelope["event_type"], []).append(envelope)
    for event_type, group in by_type.items():
        applied: dict[str, dict] = {}
        for fn in handlers_for(event_type):
            name = handler_name(fn)
            for envelope in _run(fn, name, event_type, group, result, source):
                applied[envelope["event_id"]] = envelope
        for envelope in applied.values():
            metrics.event_applied(envelope)
    return result


def dispatch_envelope(envelope: dict, *, source: str = "") -> DispatchResult:
    """Run each handler of one event once; a handler's failure propagates (after the other
    handlers ran), so the caller can nack."""
    result = dispatch_batch([envelope], source=source)
    if result.failed:
        raise next(iter(result.failed.values()))
    return result
