"""Read-side inbox queries."""

import uuid

from django.db.models import QuerySet

from core.cache import get_or_set_json
from notifications.models import Notification
from notifications.services import unread_count_cache_key

# Bounds how long a read that raced a write can keep a stale count.
UNREAD_COUNT_CACHE_SECONDS = 60


def notification_list(*, user_id: uuid.UUID, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (ties broken by id, so pages are stable)."""
    rows = Notification.objects.filter(user_id=user_id)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def notification_unread_count(*, user_id: uuid.UUID) -> int:
    """Unread notifications of the user, cached per user; every write that changes the count
    invalidates it after commit."""
    return get_or_set_json(
        unread_count_cache_key(user_id),
        lambda: Notification.objects.filter(user_id=user_id, read_at__isnull=True).count(),
        UNREAD_COUNT_CACHE_SECONDS,
    )
