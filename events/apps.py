from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # Register the match.completed handler and the OpenAPI auth scheme at start-up.
        from core.metrics.exposition import register_state_collector
        from events import matches, schema  # noqa: F401
        from events.metrics import OutboxCollector

        register_state_collector(OutboxCollector())
