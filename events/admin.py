from django.contrib import admin, messages

from core.admin import RecordAdmin
from events.models import DeadLetter, IngestedMatch, OutboxEvent, ProcessedEvent
from events.services import outbox_requeue


class OutboxStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", "pending"), ("failed", "failed (parked)"), ("published", "published")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(published_at__isnull=True, failed_at__isnull=True)
        if value == "failed":
            return queryset.filter(published_at__isnull=True, failed_at__isnull=False)
        if value == "published":
            return queryset.filter(published_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "event_type", "status", "attempts", "created_at", "published_at")
    list_filter = (OutboxStatusFilter, "event_type")
    search_fields = ("event_id", "event_type", "last_error")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["requeue"]

    @admin.action(description="Re-queue the selected unpublished events")
    def requeue(self, request, queryset):
        count = outbox_requeue(event_ids=queryset.values_list("event_id", flat=True))
        self.message_user(request, f"{count} event(s) re-queued.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(DeadLetter)
class DeadLetterAdmin(RecordAdmin):
    list_display = ("created_at", "event_type", "event_id", "handler", "reason")
    list_filter = ("event_type", "source")
    search_fields = ("event_id", "reason")


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(RecordAdmin):
    list_display = ("event_id", "handler", "event_type", "outcome", "processed_at")
    list_filter = ("event_type", "outcome")
    search_fields = ("event_id",)


@admin.register(IngestedMatch)
class IngestedMatchAdmin(RecordAdmin):
    list_display = ("match_id", "event_id", "received_at")
    search_fields = ("match_id", "event_id")
