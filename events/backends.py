"""Event backends chosen by EVENT_BACKEND. ``inline`` (embedded default) dispatches to the local
handlers directly."""

import logging

from django.conf import settings

from events.registry import handlers_for

logger = logging.getLogger(__name__)


class InlineBackend:
    def publish(self, row) -> None:
        for handler in handlers_for(row.event_type):
            handler(row.envelope)


def get_backend():
    name = getattr(settings, "EVENT_BACKEND", "inline")
    if name == "inline":
        return InlineBackend()
    raise ValueError(f"Unknown EVENT_BACKEND {name!r}.")
