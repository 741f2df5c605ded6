"""Event infrastructure every app may call: ``from events import publish``."""


def publish(event_type: str, data: dict):
    from events.services import publish as _publish

    return _publish(event_type, data)


def publish_many(events: list[tuple[str, dict]]) -> int:
    from events.services import publish_many as _publish_many

    return _publish_many(events)
