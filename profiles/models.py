from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class MediaStatus(models.TextChoices):
    READY = "ready"
    PROCESSING = "processing"
    FAILED = "failed"


class Theme(models.TextChoices):
    DARK = "dark"
    LIGHT = "light"


class Profile(TimeStampedModel):
    """One per user, created with the user (accounts' registration service)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=50)
    bio = models.CharField(max_length=200, blank=True, default="")
    title = models.CharField(max_length=50, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="", db_index=True)
    social_links = models.JSONField(default=dict, blank=True)
    banner_color = models.CharField(max_length=7, blank=True, default="#1F2937")
    theme = models.CharField(max_length=5, choices=Theme.choices, default=Theme.DARK)
    total_xp = models.BigIntegerField(default=0)
    level = models.PositiveIntegerField(default=1)
    is_public = models.BooleanField(default=True)
    accept_friend_requests = models.BooleanField(default=True)
    allow_messages = models.BooleanField(default=True)

    avatar_url = models.URLField(max_length=500, blank=True, default="")
    avatar_urls = models.JSONField(default=dict, blank=True)
    avatar_status = models.CharField(
        max_length=10, choices=MediaStatus.choices, default=MediaStatus.READY
    )
    avatar_status_reason = models.CharField(max_length=200, blank=True, default="")
    banner_url = models.URLField(max_length=500, blank=True, default="")
    banner_urls = models.JSONField(default=dict, blank=True)
    banner_status = models.CharField(
        max_length=10, choices=MediaStatus.choices, default=MediaStatus.READY
    )
    banner_status_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(total_xp__gte=0), name="profiles_total_xp_gte_0"),
            models.CheckConstraint(condition=Q(level__gte=1), name="profiles_level_gte_1"),
        ]

    def __str__(self):
        return self.display_name
