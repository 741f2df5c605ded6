"""Celery tasks of the outbox: thin wrappers over ``events.relay`` and ``events.services``."""

import logging

from celery import shared_task

from events import relay, services

logger = logging.getLogger(__name__)


@shared_task(name="events.relay_outbox", ignore_result=True, acks_late=False)
def relay_outbox(batch_size: int | None = None) -> int:
    """Publish due outbox rows (queued after each commit and swept by beat); returns the count."""
    services.clear_relay_flag()
    stats = relay.relay_pending(batch_size=batch_size)
    if stats.failed:
        logger.warning(
            "Outbox relay: %d published, %d failed (%d parked)",
            stats.published,
            stats.failed,
            stats.parked,
        )
    return stats.published


@shared_task(name="events.prune_outbox", ignore_result=True)
def prune_outbox() -> int:
    """Delete published outbox rows past OUTBOX_RETENTION_HOURS (beat, hourly)."""
    deleted = services.outbox_prune()
    if deleted:
        logger.info("Outbox prune: %d published rows deleted", deleted)
    return deleted
