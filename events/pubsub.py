"""Google Pub/Sub plumbing: resource names (API.md's topics, ``PUBSUB_TOPIC_PREFIX``), cached
clients that honour ``PUBSUB_EMULATOR_HOST``, and the idempotent topic/subscription setup."""

import json
import os
import threading

from django.conf import settings

from events.schemas import TOPICS

DEAD_LETTER_TOPIC = "dead-letter"
_clients: dict = {}
_lock = threading.Lock()


def topic_id(topic: str) -> str:
    return f"{settings.PUBSUB_TOPIC_PREFIX}{topic}"


def subscription_id(topic: str) -> str:
    return f"{topic_id(topic)}.{settings.PUBSUB_SUBSCRIPTION}"


def topic_path(topic: str) -> str:
    return f"projects/{settings.GCP_PROJECT}/topics/{topic_id(topic)}"


def subscription_path(topic_or_name: str) -> str:
    """A full path from a path, a subscription id, or one of our topics' names."""
    if topic_or_name.startswith("projects/"):
        return topic_or_name
    name = subscription_id(topic_or_name) if topic_or_name in TOPICS else topic_or_name
    return f"projects/{settings.GCP_PROJECT}/subscriptions/{name}"


def _emulator() -> str:
    host = settings.PUBSUB_EMULATOR_HOST
    if host:
        # The client library reads the variable itself, when the client is created.
        os.environ["PUBSUB_EMULATOR_HOST"] = host
    return host


def _cached(kind: str, factory):
    key = (kind, os.getpid(), _emulator())
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = factory()
        return client


def get_publisher():
    from google.cloud import pubsub_v1

    return _cached(
        "publisher",
        lambda: pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=500, max_latency=0.005)
        ),
    )


def get_subscriber():
    from google.cloud import pubsub_v1

    return _cached("subscriber", pubsub_v1.SubscriberClient)


def reset_clients() -> None:
    """Forget cached clients (tests restart the emulator; a forked child makes its own)."""
    with _lock:
        _clients.clear()


def encode_envelope(envelope: dict) -> tuple[bytes, dict[str, str]]:
    data = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    return data, {"event_id": str(envelope["event_id"]), "event_type": envelope["event_type"]}


def _ensure(create, request: dict) -> bool:
    """Create a resource; False when it already exists."""
    from google.api_core import exceptions

    try:
        create(request=request)
        return True
    except exceptions.AlreadyExists:
        return False


def setup(*, topics=TOPICS, max_delivery_attempts: int | None = None) -> list[str]:
    """Create every topic, our subscription on each (with the dead-letter policy), the
    dead-letter topic and its subscription. Existing resources are left as they are.
    Returns the names created."""
    publisher, subscriber = get_publisher(), get_subscriber()
    attempts = max_delivery_attempts or settings.PUBSUB_MAX_DELIVERY_ATTEMPTS
    dead_letter = topic_path(DEAD_LETTER_TOPIC)
    created = []
    for topic in (*topics, DEAD_LETTER_TOPIC):
        path = topic_path(topic)
        if _ensure(publisher.create_topic, {"name": path}):
            created.append(path)
    for topic in (*topics, DEAD_LETTER_TOPIC):
        path = subscription_path(subscription_id(topic))
        request = {
            "name": path,
            "topic": topic_path(topic),
            "ack_deadline_seconds": settings.PUBSUB_ACK_DEADLINE_SECONDS,
        }
        if topic != DEAD_LETTER_TOPIC:
            request["dead_letter_policy"] = {
                "dead_letter_topic": dead_letter,
                "max_delivery_attempts": attempts,
            }
        if _ensure(subscriber.create_subscription, request):
            created.append(path)
    return created
