"""Event backends chosen by EVENT_BACKEND. ``inline`` (embedded default) dispatches a relayed batch to
the local handlers directly, through the same batch dispatch as the consumer; ``pubsub`` publishes to Google Pub/Sub. ``publish_batch(rows)`` returns
``{event_id: exception}`` for the rows that failed."""

import logging
from concurrent import futures

from django.conf import settings

logger = logging.getLogger(__name__)


class InlineBackend:
    name = "inline"

    def publish_batch(self, rows) -> dict:
        from events.dispatch import dispatch_batch

        rows = list(rows)
        result = dispatch_batch([row.envelope for row in rows], source="inline")
        errors = {}
        for row in rows:
            exc = result.failed.get(str(row.envelope["event_id"]))
            if exc is not None:  # the row is retried with backoff
                logger.warning("Inline handlers of %s failed: %s", row.event_id, exc)
                errors[row.event_id] = exc
        return errors


class PubSubBackend:
    """The envelope as message data, ``event_id``/``event_type`` as attributes. The publisher
    client batches; this waits for every future of the batch, bounded by the publish timeout."""

    name = "pubsub"

    def publish_batch(self, rows) -> dict:
        from google.api_core import exceptions, retry

        from events import pubsub

        timeout = settings.PUBSUB_PUBLISH_TIMEOUT_SECONDS
        policy = retry.Retry(
            initial=0.1,
            maximum=2.0,
            multiplier=2.0,
            timeout=timeout,
            predicate=retry.if_exception_type(
                exceptions.ServiceUnavailable,
                exceptions.DeadlineExceeded,
                exceptions.InternalServerError,
                exceptions.Aborted,
                exceptions.Unknown,
            ),
        )
        publisher = pubsub.get_publisher()
        pending, errors = {}, {}
        for row in rows:
            data, attributes = pubsub.encode_envelope(row.envelope)
            try:
                future = publisher.publish(
                    pubsub.topic_path(row.topic), data, retry=policy, timeout=timeout, **attributes
                )
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried
                errors[row.event_id] = exc
            else:
                pending[future] = row.event_id
        done, not_done = futures.wait(pending, timeout=timeout + 5)
        for future in done:
            exc = future.exception()
            if exc is not None:
                errors[pending[future]] = exc
        for future in not_done:
            errors[pending[future]] = TimeoutError("Pub/Sub publish timed out.")
        if errors:
            # A fresh client next time: a channel that failed to connect backs off for up to
            # minutes, which would delay publishing long after the bus is back.
            pubsub.reset_clients()
        return errors


def get_backend():
    name = getattr(settings, "EVENT_BACKEND", "inline")
    if name == "inline":
        return InlineBackend()
    if name == "pubsub":
        return PubSubBackend()
    raise ValueError(f"Unknown EVENT_BACKEND {name!r}.")
