"""Handlers for consumed events live in the app they change and register here by event type.

A handler is ``fn(envelope)``, or with ``handles(event_type, batch=True)`` ``fn(envelopes)``
applying a list of envelopes in delivery order and returning ``{event_id: reason}`` for those it
refused without applying (or None). The dispatcher (``events.dispatch``) runs it in a
transaction together with its ``ProcessedEvent`` rows, so each (event, handler) takes effect
once. A one-event handler that finds the event impossible to apply raises
``EventRejected(reason)``: its effects roll back and the event goes to the dead-letter table
instead of being retried.

``checks(event_type)`` registers ``fn(data) -> {field: [messages]}``: what a domain app refuses
at ingestion (``problems_for``), so that the ingesting app needs no knowledge of the domain.
"""

from collections import defaultdict
from collections.abc import Callable

_HANDLERS: dict[str, list[Callable]] = defaultdict(list)
_BATCH: list[Callable] = []  # the handlers taking a list of envelopes
_CHECKS: dict[str, list[Callable[[dict], dict]]] = defaultdict(list)


class EventRejected(Exception):
    """Raised by a handler for an event that can never succeed (the reason is recorded)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def handles(event_type: str, *, batch: bool = False):
    """Decorator: ``fn`` is called once per delivered event of ``event_type`` (with ``batch``,
    once per batch of them)."""

    def register(fn):
        if batch and fn not in _BATCH:
            _BATCH.append(fn)
        if fn not in _HANDLERS[event_type]:
            _HANDLERS[event_type].append(fn)
        return fn

    return register


def handlers_for(event_type: str) -> list[Callable]:
    return list(_HANDLERS.get(event_type, ()))


def handled_event_types() -> list[str]:
    return [event_type for event_type, fns in _HANDLERS.items() if fns]


def handler_name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def is_batch(fn) -> bool:
    return fn in _BATCH


def checks(event_type: str):
    """Decorator: ``fn(data)`` returns the problems (field → messages) of an event to ingest."""

    def register(fn):
        if fn not in _CHECKS[event_type]:
            _CHECKS[event_type].append(fn)
        return fn

    return register


def problems_for(event_type: str, data: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for fn in _CHECKS.get(event_type, ()):
        for key, messages in fn(data).items():
            problems.setdefault(key, []).extend(messages)
    return problems
