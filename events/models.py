import uuid

from django.db import models
from django.db.models import Q


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change that caused it (DESIGN.md).

    Pending: ``published_at`` and ``failed_at`` null, due at ``next_attempt_at``. A row whose
    publication failed ``OUTBOX_MAX_ATTEMPTS`` times is parked (``failed_at`` set) until an admin
    re-queues it. Published rows are pruned after ``OUTBOX_RETENTION_HOURS``.
    """

    event_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=64)
    topic = models.CharField(max_length=64)
    envelope = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(published_at__isnull=True),
                name="events_outbox_unpublished",
            ),
            models.Index(
                fields=["published_at"],
                condition=models.Q(published_at__isnull=False),
                name="events_outbox_published",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"

    @property
    def status(self) -> str:
        if self.published_at:
            return "published"
        return "failed" if self.failed_at else "pending"


class ProcessedEvent(models.Model):
    """One row per (event, handler) whose effects committed: written in the handler's own
    transaction, so a redelivered event is acknowledged without effect."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField()
    handler = models.CharField(max_length=200)
    event_type = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, default="processed")
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "handler"], name="events_processed_once_per_handler"
            )
        ]
        indexes = [models.Index(fields=["processed_at"], name="events_processed_at")]

    def __str__(self):
        return f"{self.handler} {self.event_id}"


class DeadLetter(models.Model):
    """A message refused by the consumer (malformed, or rejected by a handler), with the reason."""

    id = models.BigAutoField(primary_key=True)
    event_id = models.UUIDField(null=True, blank=True)
    event_type = models.CharField(max_length=64, blank=True, default="")
    handler = models.CharField(max_length=200, blank=True, default="")
    reason = models.TextField()
    payload = models.TextField(blank=True, default="")
    source = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "handler"],
                condition=Q(event_id__isnull=False),
                name="events_dead_letter_once_per_handler",
            )
        ]

    def __str__(self):
        return f"{self.event_type or 'message'} {self.event_id or ''}: {self.reason[:60]}"


class IngestedMatch(models.Model):
    """A match id seen by this service (POST matches/ or a match.completed event from the bus).

    ``event_id`` is the event that first reported it (the 202 answer of a replayed POST). Each
    effect of a match is guarded by its own unique row (``MatchResult.match_id``, the XP log,
    the challenge match record), so a match takes effect once whatever event id it arrives
    with."""

    match_id = models.UUIDField(primary_key=True)
    event_id = models.UUIDField(unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.match_id)
