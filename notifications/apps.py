from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Registers the event handlers with events.registry.
        from notifications import handlers  # noqa: F401
