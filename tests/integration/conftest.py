"""The events app's multi-process fixtures, reused as they are: the in-process Pub/Sub fake
with topics and subscriptions (``pubsub_env``), a real Celery worker relaying this process's
outbox (``bus``, with ``bus.consumer()`` starting ``manage.py consume_events``) and the game
server's authenticated client (``service_client``)."""

from tests.events.conftest import fake_pubsub, pubsub_env, service_client  # noqa: F401
from tests.events.test_integration import broker_queue, bus, log_dir  # noqa: F401
