from django.contrib import admin

from core.admin import ReadOnlyAdmin
from notifications.models import Notification


class ReadStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("unread", "Unread"), ("read", "Read")]

    def queryset(self, request, queryset):
        if self.value() == "unread":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "read":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: the inbox is written only by event handlers and by its owner marking rows read."""

    list_display = ("created_at", "user", "kind", "title", "read_at")
    list_filter = ("kind", ReadStatusFilter, "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "title", "source_event_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "id",
        "user",
        "kind",
        "title",
        "body",
        "data",
        "source_event_id",
        "created_at",
        "read_at",
    )
