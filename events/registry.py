"""Handlers for consumed events live in the app they change and register here by event type."""

from collections import defaultdict
from collections.abc import Callable

_HANDLERS: dict[str, list[Callable[[dict], None]]] = defaultdict(list)


def handles(event_type: str):
    """Decorator: ``fn(envelope)`` is called once per delivered event of ``event_type``."""

    def register(fn):
        if fn not in _HANDLERS[event_type]:
            _HANDLERS[event_type].append(fn)
        return fn

    return register


def handlers_for(event_type: str) -> list[Callable[[dict], None]]:
    return list(_HANDLERS.get(event_type, ()))
