"""Metrics of the event pipeline (README, Metrics). The relay, the dispatcher and the consumer
call the functions here (thin call sites); the outbox backlog is read at scrape time.

Labels are bounded: ``event_type`` is one of the schema's event types (anything else on the bus
is "unknown"), ``handler`` a registered handler's name ("none" for a message no handler saw),
``backend`` the event backend.
"""

import logging
import threading
import time
from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

from events.schemas import EVENT_SCHEMAS

logger = logging.getLogger(__name__)

UNKNOWN_TYPE = "unknown"
NO_HANDLER = "none"

# --- Outbox relay (worker; the web process itself with the inline backend and no broker) -------
RELAY_BATCHES = Counter(
    "events_outbox_relay_batches_total", "Relay batches that claimed outbox rows.", ["backend"]
)
RELAY_BATCH_FAILURES = Counter(
    "events_outbox_relay_batch_failures_total",
    "Relay batches in which at least one row failed to publish.",
    ["backend"],
)
RELAY_BATCH_DURATION = Histogram(
    "events_outbox_relay_batch_duration_seconds",
    "Time to publish one relay batch.",
    ["backend"],
)
PUBLISHED = Counter(
    "events_outbox_published_total", "Outbox rows published, by event type.", ["event_type"]
)
PUBLISH_FAILURES = Counter(
    "events_outbox_publish_failures_total",
    "Failed publications of outbox rows (each is retried with backoff), by event type.",
    ["event_type"],
)
PARKED = Counter(
    "events_outbox_parked_total",
    "Outbox rows parked after OUTBOX_MAX_ATTEMPTS failures, by event type.",
    ["event_type"],
)

# --- Dispatch (consumer; the relay with the inline backend) -------------------------------------
CONSUMED = Counter(
    "events_consumed_total",
    "Events by type, handler and outcome: processed, duplicate (applied before), rejected "
    "(dead-lettered), failed (raised: nacked and redelivered).",
    ["event_type", "handler", "outcome"],
)
DEAD_LETTERS = Counter(
    "events_dead_letters_total",
    "Messages stored in the dead-letter table, by event type and handler.",
    ["event_type", "handler"],
)
HANDLER_DURATION = Histogram(
    "events_handler_duration_seconds",
    "Time of one handler's transaction (claim, effects, commit), by event type and handler.",
    ["event_type", "handler"],
)
IN_FLIGHT = Gauge(
    "events_consumer_messages_in_flight",
    "Messages the consumer received and has not acked or nacked yet.",
    multiprocess_mode="livesum",
)


def event_type_label(event_type) -> str:
    return (
        event_type if isinstance(event_type, str) and event_type in EVENT_SCHEMAS else UNKNOWN_TYPE
    )


def relay_batch_done(*, backend: str, rows, errors: dict, seconds: float) -> None:
    """One relay batch published (``errors``: event id → exception for the rows that failed)."""
    RELAY_BATCHES.labels(backend).inc()
    RELAY_BATCH_DURATION.labels(backend).observe(seconds)
    if errors:
        RELAY_BATCH_FAILURES.labels(backend).inc()
    for row in rows:
        event_type = event_type_label(row.event_type)
        if row.event_id not in errors:
            PUBLISHED.labels(event_type).inc()
            continue
        PUBLISH_FAILURES.labels(event_type).inc()
        if row.failed_at is not None:
            PARKED.labels(event_type).inc()


def clock() -> float:
    return time.perf_counter()


def handler_done(event_type, handler: str, outcome: str, started: float | None = None) -> None:
    """A handler's outcome for one event; ``started`` (from ``clock()``) when it ran."""
    event_type = event_type_label(event_type)
    CONSUMED.labels(event_type, handler, outcome).inc()
    if started is not None:
        HANDLER_DURATION.labels(event_type, handler).observe(time.perf_counter() - started)


def malformed_message(envelope=None) -> None:
    """A message refused before any handler saw it (not JSON, bad envelope, bad data)."""
    event_type = envelope.get("event_type") if isinstance(envelope, dict) else None
    CONSUMED.labels(event_type_label(event_type), NO_HANDLER, "rejected").inc()


def dead_letter_stored(event_type, handler: str) -> None:
    DEAD_LETTERS.labels(event_type_label(event_type), handler or NO_HANDLER).inc()


# --- Consumer lag: now minus the timestamp of the newest event applied by this process --------
class _LastApplied:
    def __init__(self):
        self._lock = threading.Lock()
        self.timestamp: float | None = None

    def update(self, timestamp: float) -> None:
        with self._lock:
            if self.timestamp is None or timestamp > self.timestamp:
                self.timestamp = timestamp


_last_applied = _LastApplied()


def event_applied(envelope: dict) -> None:
    """An event took effect; its timestamp (clamped to now: a producer's clock may run ahead)
    feeds the lag."""
    try:
        stamp = datetime.fromisoformat(str(envelope["timestamp"])).timestamp()
    except (KeyError, TypeError, ValueError):
        return
    _last_applied.update(min(stamp, time.time()))


class ConsumerLagCollector:
    """Scrape-time lag of this consumer process (nothing before its first applied event)."""

    def collect(self):
        stamp = _last_applied.timestamp
        if stamp is None:
            return
        yield GaugeMetricFamily(
            "events_consumer_last_applied_event_timestamp_seconds",
            "Timestamp (Unix seconds) of the newest event this consumer applied.",
            value=stamp,
        )
        yield GaugeMetricFamily(
            "events_consumer_lag_seconds",
            "Now minus the timestamp of the newest event this consumer applied.",
            value=max(0.0, time.time() - stamp),
        )


def counting_scheduler(executor):
    """A Pub/Sub ``ThreadScheduler`` on ``executor`` that keeps ``events_consumer_messages_in_flight``:
    up when the stream hands a message over, down when its callback returned (acked or nacked)
    or when shutdown drops it unstarted."""
    from google.cloud.pubsub_v1.subscriber.scheduler import ThreadScheduler

    class CountingScheduler(ThreadScheduler):
        def schedule(self, callback, *args, **kwargs):
            IN_FLIGHT.inc()

            def run(*a, **kw):
                try:
                    callback(*a, **kw)
                finally:
                    IN_FLIGHT.dec()

            super().schedule(run, *args, **kwargs)

        def shutdown(self, await_msg_callbacks=False):
            dropped = super().shutdown(await_msg_callbacks=await_msg_callbacks)
            if dropped:
                IN_FLIGHT.dec(len(dropped))
            return dropped

    return CountingScheduler(executor)


# --- Outbox backlog, read when the web processes' /metrics is scraped --------------------------
class OutboxCollector:
    """Pending rows, the age of the oldest, and parked rows: one aggregate over the unpublished
    rows (the partial index ``events_outbox_unpublished``)."""

    def collect(self):
        from events.models import OutboxEvent

        pending = Q(failed_at__isnull=True)
        row = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(
            pending=Count("pk", filter=pending),
            oldest=Min("created_at", filter=pending),
            parked=Count("pk", filter=Q(failed_at__isnull=False)),
        )
        age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        yield GaugeMetricFamily(
            "events_outbox_pending", "Outbox rows waiting to be published.", value=row["pending"]
        )
        yield GaugeMetricFamily(
            "events_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row waiting to be published (0 when none).",
            value=max(0.0, age),
        )
        yield GaugeMetricFamily(
            "events_outbox_parked",
            "Outbox rows parked after OUTBOX_MAX_ATTEMPTS failures (re-queue them in the admin).",
            value=row["parked"],
        )
