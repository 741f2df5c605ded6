import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationKind(models.TextChoices):
    LEVEL_UP = "level_up"
    REWARD_EARNED = "reward_earned"
    CHALLENGE_COMPLETED = "challenge_completed"
    COSMETIC_PURCHASED = "cosmetic_purchased"
    RANK_TIER_CHANGED = "rank_tier_changed"
    SEASON_ENDED = "season_ended"


class Notification(models.Model):
    """One inbox row, made from one consumed event (``source_event_id``) — never twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=100)
    body = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    source_event_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_event_id", "kind"], name="notifications_one_per_event_and_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notifications_kind_valid"
            ),
        ]
        indexes = [
            # The inbox page: a user's rows newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="notif_user_created"),
            # The unread badge.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notif_user_unread"
            ),
            # The retention sweep: old read rows.
            models.Index(
                fields=["created_at"], condition=Q(read_at__isnull=False), name="notif_read_created"
            ),
        ]

    def __str__(self):
        return f"{self.kind} for {self.user_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
