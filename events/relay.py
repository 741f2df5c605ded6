"""The outbox relay: claims due rows with ``FOR UPDATE SKIP LOCKED`` (so relays running side by
side never take the same row), hands them to the backend, marks them published, or schedules a
retry with exponential backoff and parks a row after ``OUTBOX_MAX_ATTEMPTS`` failures."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events import metrics
from events.backends import get_backend
from events.models import OutboxEvent

logger = logging.getLogger(__name__)


@dataclass
class RelayStats:
    published: int = 0
    failed: int = 0
    parked: int = 0


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th failure: base * 2**(attempts-1), capped."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def due_rows():
    now = timezone.now()
    return OutboxEvent.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        published_at__isnull=True,
        failed_at__isnull=True,
    )


def relay_batch(*, batch_size: int, backend=None) -> RelayStats:
    """Publish one batch of due rows in one transaction (the row locks are held while the
    backend publishes, so a crash leaves the rows unpublished for the next relay)."""
    backend = backend or get_backend()
    stats = RelayStats()
    with transaction.atomic():
        rows = list(
            due_rows().select_for_update(skip_locked=True).order_by("created_at")[:batch_size]
        )
        if not rows:
            return stats
        started = metrics.clock()
        errors = backend.publish_batch(rows)
        seconds = metrics.clock() - started
        now = timezone.now()
        for row in rows:
            row.attempts += 1
            error = errors.get(row.event_id)
            if error is None:
                row.published_at, row.last_error, row.next_attempt_at = now, "", None
                stats.published += 1
                continue
            row.last_error = str(error)[:2000] or error.__class__.__name__
            stats.failed += 1
            if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                row.failed_at = now
                stats.parked += 1
                logger.error(
                    "Outbox event %s (%s) parked after %d attempts: %s",
                    row.event_id,
                    row.event_type,
                    row.attempts,
                    row.last_error,
                )
            else:
                row.next_attempt_at = now + retry_delay(row.attempts)
                logger.warning(
                    "Publishing %s failed (attempt %d): %s",
                    row.event_id,
                    row.attempts,
                    row.last_error,
                )
        OutboxEvent.objects.bulk_update(
            rows, ["attempts", "published_at", "last_error", "next_attempt_at", "failed_at"]
        )
    metrics.relay_batch_done(backend=backend.name, rows=rows, errors=errors, seconds=seconds)
    return stats


def relay_pending(*, batch_size: int | None = None, max_batches: int = 1000) -> RelayStats:
    """Relay due rows batch after batch until none is left, a batch fails, or ``max_batches``."""
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    backend = get_backend()
    total = RelayStats()
    for _ in range(max_batches):
        stats = relay_batch(batch_size=batch_size, backend=backend)
        total.published += stats.published
        total.failed += stats.failed
        total.parked += stats.parked
        if stats.failed or stats.published < batch_size:
            break
    return total
