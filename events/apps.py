from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # Register the match.completed handler and the OpenAPI auth scheme at start-up.
        from events import matches, schema  # noqa: F401
