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


# gRPC backs off reconnecting for up to 2 minutes after failures, in a subchannel shared by every
# channel to the same target: cap it, and keep one pool per channel, so that publishing and
# pulling resume within seconds once the bus is back.
RECONNECT_OPTIONS = {
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.min_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 3000,
    "grpc.use_local_subchannel_pool": 1,
}


def _transport(base):
    """The library's gRPC transport with RECONNECT_OPTIONS on its channel (to the emulator too,
    where the client would otherwise open a plain insecure channel of its own)."""
    import grpc

    class Transport(base):
        def __init__(self, *args, channel=None, **kwargs):
            options = list(RECONNECT_OPTIONS.items())
            emulator = os.environ.get("PUBSUB_EMULATOR_HOST")
            if emulator:
                if isinstance(channel, grpc.Channel):
                    channel.close()
                channel = grpc.insecure_channel(emulator, options=options)
            elif channel is None:

                def channel(host, **channel_kwargs):
                    merged = dict(channel_kwargs.pop("options", None) or [])
                    merged.update(RECONNECT_OPTIONS)
                    return base.create_channel(host, options=list(merged.items()), **channel_kwargs)

            super().__init__(*args, channel=channel, **kwargs)

    return Transport


def _credentials() -> dict:
    """No credentials to look up when talking to the emulator."""
    if not _emulator():
        return {}
    from google.auth.credentials import AnonymousCredentials

    return {"credentials": AnonymousCredentials()}


def get_publisher():
    from google.cloud import pubsub_v1
    from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

    return _cached(
        "publisher",
        lambda: pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=500, max_latency=0.005),
            transport=_transport(PublisherGrpcTransport),
            **_credentials(),
        ),
    )


def get_subscriber():
    from google.cloud import pubsub_v1
    from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

    return _cached(
        "subscriber",
        lambda: pubsub_v1.SubscriberClient(
            transport=_transport(SubscriberGrpcTransport), **_credentials()
        ),
    )


def reset_clients() -> None:
    """Forget cached clients (tests restart the emulator; a forked child makes its own)."""
    with _lock:
        _clients.clear()


def encode_envelope(envelope: dict) -> tuple[bytes, dict[str, str]]:
    data = json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    return data, {"event_id": str(envelope["event_id"]), "event_type": envelope["event_type"]}


def _ensure(create, request: dict, timeout: float | None) -> bool:
    """Create a resource; False when it already exists."""
    from google.api_core import exceptions

    try:
        # With a timeout the caller retries (setup_pubsub --wait); else the client's own policy.
        create(request=request, **({} if timeout is None else {"retry": None, "timeout": timeout}))
        return True
    except exceptions.AlreadyExists:
        return False


def setup(
    *, topics=TOPICS, max_delivery_attempts: int | None = None, timeout: float | None = None
) -> list[str]:
    """Create every topic, our subscription on each (with the dead-letter policy), the
    dead-letter topic and its subscription. Existing resources are left as they are.
    Returns the names created. ``timeout``: each call tried once for at most that long
    (default: the client's retry policy)."""
    publisher, subscriber = get_publisher(), get_subscriber()
    attempts = max_delivery_attempts or settings.PUBSUB_MAX_DELIVERY_ATTEMPTS
    dead_letter = topic_path(DEAD_LETTER_TOPIC)
    created = []
    for topic in (*topics, DEAD_LETTER_TOPIC):
        path = topic_path(topic)
        if _ensure(publisher.create_topic, {"name": path}, timeout):
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
        if _ensure(subscriber.create_subscription, request, timeout):
            created.append(path)
    return created
