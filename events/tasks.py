"""The outbox relay: claims unpublished rows with row locks, hands them to the backend, marks them."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from events.backends import get_backend
from events.models import OutboxEvent

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


@shared_task(name="events.relay_outbox", ignore_result=True)
def relay_outbox(batch_size: int = BATCH_SIZE) -> int:
    """Publish pending outbox rows in batches; returns how many were published."""
    backend = get_backend()
    published = 0
    while True:
        with transaction.atomic():
            rows = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True)
                .order_by("created_at")[:batch_size]
            )
            if not rows:
                return published
            done = []
            for row in rows:
                row.attempts += 1
                try:
                    backend.publish(row)
                except Exception as exc:  # noqa: BLE001 - kept for a later retry
                    logger.warning("Publishing %s failed: %s", row.event_id, exc)
                    row.last_error = str(exc)[:2000]
                else:
                    row.published_at = timezone.now()
                    row.last_error = ""
                    done.append(row)
            OutboxEvent.objects.bulk_update(rows, ["attempts", "published_at", "last_error"])
            published += len(done)
            if len(done) < len(rows):
                return published
