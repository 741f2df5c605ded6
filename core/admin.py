"""Admin base classes shared by the apps' admin screens."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """Rows made by the system (results, logs, ledgers): listed and inspected, never added by
    hand, every field read-only. Deletion stays with the model's own admin where it makes sense."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(RecordAdmin):
    """Strictly read-only: no add, change or delete."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
