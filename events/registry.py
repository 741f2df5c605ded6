"""Handlers for consumed events live in the app they change and register here by event type.

A handler is ``fn(envelope)``. The dispatcher (``events.dispatch``) runs it in a transaction
together with its ``ProcessedEvent`` row, so each (event, handler) takes effect once. A handler
that finds the event impossible to apply raises ``EventRejected(reason)``: its effects roll back
and the event goes to the dead-letter table instead of being retried.
"""

from collections import defaultdict
from collections.abc import Callable

_HANDLERS: dict[str, list[Callable[[dict], None]]] = defaultdict(list)


class EventRejected(Exception):
    """Raised by a handler for an event that can never succeed (the reason is recorded)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def handles(event_type: str):
    """Decorator: ``fn(envelope)`` is called once per delivered event of ``event_type``."""

    def register(fn):
        if fn not in _HANDLERS[event_type]:
            _HANDLERS[event_type].append(fn)
        return fn

    return register


def handlers_for(event_type: str) -> list[Callable[[dict], None]]:
    return list(_HANDLERS.get(event_type, ()))


def handled_event_types() -> list[str]:
    return [event_type for event_type, fns in _HANDLERS.items() if fns]


def handler_name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"
