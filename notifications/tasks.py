"""Periodic jobs of the inbox (scheduled by CELERY_BEAT_SCHEDULE["notifications-prune"])."""

from celery import shared_task

from notifications.services import notifications_prune


@shared_task(name="notifications.prune", ignore_result=True)
def prune_notifications() -> int:
    """Delete read notifications older than NOTIFICATION_RETENTION_DAYS; returns how many."""
    return notifications_prune()
