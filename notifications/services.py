"""Write-side inbox logic: a notification per consumed event (once), mark read, retention sweep."""

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from core.cache import cache_key, invalidate
from core.errors import ValidationFailed
from notifications.errors import NotificationNotFound
from notifications.models import Notification

logger = logging.getLogger(__name__)

PRUNE_BATCH_SIZE = 1000


def unread_count_cache_key(user_id) -> str:
    return cache_key("notifications", "unread", user_id)


def _user_exists_locked(user_id: uuid.UUID) -> bool:
    """Whether the user exists; on PostgreSQL the row is held with ``FOR KEY SHARE`` (what a
    foreign-key check takes) so a concurrent delete cannot orphan the row we are about to write,
    while ordinary updates of the user row are not blocked."""
    user_model = get_user_model()
    if connection.vendor != "postgresql":
        return user_model.objects.filter(pk=user_id).exists()
    qn = connection.ops.quote_name
    table, pk = qn(user_model._meta.db_table), qn(user_model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {pk} = %s FOR KEY SHARE", [user_id])  # noqa: S608
        return cursor.fetchone() is not None


@transaction.atomic
def notification_create_from_event(
    *,
    event_id: uuid.UUID,
    user_id: uuid.UUID,
    kind: str,
    title: str,
    body: str,
    data: dict,
) -> tuple[Notification | None, bool]:
    """The inbox row of ``kind`` for event ``event_id``, created on first delivery only.

    Returns ``(notification, created)``; ``(None, False)`` when the user no longer exists.
    A redelivered (or concurrently delivered) event finds the row already there: the unique
    constraint on (source_event_id, kind) decides, via ``INSERT … ON CONFLICT DO NOTHING``.
    """
    if not _user_exists_locked(user_id):
        logger.info(
            "Notification %s for event %s dropped: user %s is gone", kind, event_id, user_id
        )
        return None, False
    candidate = Notification(
        user_id=user_id,
        kind=kind,
        title=title[: Notification._meta.get_field("title").max_length],
        body=body[: Notification._meta.get_field("body").max_length],
        data=data,
        source_event_id=event_id,
    )
    Notification.objects.bulk_create([candidate], ignore_conflicts=True)
    notification = Notification.objects.get(source_event_id=event_id, kind=kind)
    created = notification.pk == candidate.pk
    if created:
        invalidate(unread_count_cache_key(user_id))
    return notification, created


@transaction.atomic
def notifications_mark_read(
    *, user_id: uuid.UUID, ids: Iterable[uuid.UUID] | None = None, mark_all: bool = False
) -> int:
    """Mark the caller's notifications read: the given ``ids``, or every unread one with
    ``mark_all``. Returns how many went from unread to read (already-read rows keep their
    first ``read_at`` and are not counted). If any id is not one of the caller's notifications
    (foreign or unknown alike), raises ``NotificationNotFound`` and changes nothing."""
    if (ids is None) == (not mark_all):
        raise ValidationFailed("Send either 'ids' or 'all: true'.")
    mine = Notification.objects.filter(user_id=user_id)
    if not mark_all:
        wanted = set(ids)
        found = set(mine.filter(id__in=wanted).values_list("id", flat=True))
        missing = wanted - found
        if missing:
            raise NotificationNotFound(details={"ids": sorted(str(i) for i in missing)})
        mine = mine.filter(id__in=wanted)
    updated = mine.filter(read_at__isnull=True).update(read_at=timezone.now())
    if updated:
        invalidate(unread_count_cache_key(user_id))
    return updated


def notifications_prune(
    *,
    retention_days: int | None = None,
    now: datetime | None = None,
    batch_size: int = PRUNE_BATCH_SIZE,
) -> int:
    """Delete read notifications created more than ``retention_days`` (default
    ``NOTIFICATION_RETENTION_DAYS``) ago, in short batches. Unread rows are never pruned.
    Returns how many rows were deleted. The unread count is unaffected, so no cache changes."""
    days = settings.NOTIFICATION_RETENTION_DAYS if retention_days is None else retention_days
    if days < 1:
        raise ValueError("The notification retention must be at least one day.")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff)
                .order_by("created_at")
                .values_list("id", flat=True)[:batch_size]
            )
            if not batch:
                return deleted
            count, _ = Notification.objects.filter(id__in=batch, read_at__isnull=False).delete()
            deleted += count
