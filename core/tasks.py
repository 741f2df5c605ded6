"""Periodic housekeeping of the shared core tables (scheduled in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from core.idempotency import prune_idempotency_keys


@shared_task(name="core.prune_idempotency_keys", ignore_result=True)
def prune_idempotency_keys_task() -> int:
    return prune_idempotency_keys()
