from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # The OpenAPI auth scheme and the outbox collector; handlers register from their apps.
        from core.metrics.exposition import register_state_collector
        from events import schema  # noqa: F401
        from events.metrics import OutboxCollector

        register_state_collector(OutboxCollector())
