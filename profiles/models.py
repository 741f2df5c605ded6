import uuid

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
            models.CheckConstraint(
                condition=Q(theme__in=["dark", "light"]), name="profiles_theme_valid"
            ),
            models.CheckConstraint(
                condition=Q(banner_color__regex=r"^#[0-9A-F]{6}$"),
                name="profiles_banner_color_hex",
            ),
        ]

    def __str__(self):
        return self.display_name


class MediaKind(models.TextChoices):
    AVATAR = "avatar"
    BANNER = "banner"


class MediaUpload(TimeStampedModel):
    """One confirmed upload and what became of it. The latest upload of a kind decides the
    profile's ``{kind}_status``; published files live under ``{kind}s/{user_id}/{version}/``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_uploads"
    )
    kind = models.CharField(max_length=10, choices=MediaKind.choices)
    storage_path = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=10, choices=MediaStatus.choices, default=MediaStatus.PROCESSING
    )
    reason = models.CharField(max_length=200, blank=True, default="")
    version = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind", "created_at"], name="profiles_upload_latest_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["avatar", "banner"]), name="profiles_upload_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["ready", "processing", "failed"]),
                name="profiles_upload_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.storage_path} ({self.status})"
