"""The Pub/Sub consumer behind ``manage.py consume_events``.

One streaming pull per subscription through the real client (``subscriber.subscribe``), with
flow control (at most ``max_messages`` leased per subscription) and a bounded thread pool. Each
message: parse → run the handlers (``events.dispatch``: one transaction per handler, with its
``ProcessedEvent`` row) → ack only after they committed. A failure nacks (the bus redelivers;
its dead-letter policy catches poison messages); a malformed or rejected message is recorded in
the dead-letter table and acked. ``stop()`` finishes in-flight messages, then returns.
"""

import logging
import threading
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections

from events import metrics, pubsub
from events.dispatch import MalformedEvent, dispatch_envelope, parse_message, record_dead_letter

logger = logging.getLogger("events.consumer")


def _current_connection():
    return connections["default"]


@dataclass
class Counts:
    processed: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0

    def line(self) -> str:
        return (
            f"processed={self.processed} duplicates={self.duplicates} "
            f"rejected={self.rejected} failed={self.failed}"
        )


class Consumer:
    def __init__(
        self,
        subscriptions: list[str],
        *,
        max_messages: int = 200,
        workers: int = 8,
        log_interval: float = 30.0,
        lease_seconds: int = 0,
    ):
        self.subscriptions = [pubsub.subscription_path(s) for s in subscriptions]
        self.max_messages = max_messages
        self.workers = workers
        self.log_interval = log_interval
        self.lease_seconds = lease_seconds
        self.counts = Counts()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._futures = []
        self._connections = set()  # each handler thread's database connection

    def _count(self, **deltas) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self.counts, name, getattr(self.counts, name) + delta)

    def handle(self, message) -> None:
        """The subscriber callback: runs in the pool, never raises."""
        with self._lock:
            self._connections.add(_current_connection())
        try:
            try:
                envelope = parse_message(message.data, dict(message.attributes))
            except MalformedEvent as exc:
                record_dead_letter(
                    reason=exc.reason,
                    envelope=exc.envelope,
                    payload=bytes(message.data[:100_000]).decode("utf-8", "replace"),
                    source="consumer",
                )
                metrics.malformed_message(exc.envelope)
                self._count(rejected=1)
            else:
                result = dispatch_envelope(envelope, source="consumer")
                self._count(
                    processed=result.processed,
                    duplicates=result.duplicates,
                    rejected=len(result.rejected),
                )
        except Exception:
            logger.exception("Handling message %s failed; nacked", message.message_id)
            connection.close()  # a broken connection is replaced on the next message
            self._count(failed=1)
            message.nack()
        else:
            message.ack()

    def start(self) -> None:
        from google.cloud import pubsub_v1

        subscriber = pubsub.get_subscriber()
        flow = pubsub_v1.types.FlowControl(
            max_messages=self.max_messages,
            max_duration_per_lease_extension=self.lease_seconds,
        )
        for path in self.subscriptions:
            scheduler = metrics.counting_scheduler(
                ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="consumer")
            )
            future = subscriber.subscribe(
                path,
                callback=self.handle,
                flow_control=flow,
                scheduler=scheduler,
                await_callbacks_on_shutdown=True,
            )
            future.add_done_callback(lambda _f: self._stop.set())
            self._futures.append(future)
        logger.info(
            "consume_events: pulling %s (max %d in flight each, %d workers)",
            ", ".join(self.subscriptions),
            self.max_messages,
            self.workers,
        )

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> int:
        """Start, log counts every ``log_interval`` until stopped, drain; 0 unless a stream died."""
        self.start()
        last = time.monotonic()
        while not self._stop.wait(timeout=min(1.0, self.log_interval)):
            if time.monotonic() - last >= self.log_interval:
                logger.info("consume_events: %s", self.counts.line())
                last = time.monotonic()
        status = 0
        for future in self._futures:
            if future.done():
                continue
            future.cancel()
        for future in self._futures:
            try:
                future.result()
            except CancelledError:
                pass
            except Exception as exc:  # noqa: BLE001 - reported as the exit status
                logger.error("consume_events: subscription stream failed: %s", exc)
                status = 1
        self._close_connections()
        logger.info("consume_events: stopped; %s", self.counts.line())
        return status

    def _close_connections(self) -> None:
        """Close the handler threads' connections (their threads are done by now)."""
        with self._lock:
            wrappers, self._connections = self._connections, set()
        for wrapper in wrappers:
            wrapper.inc_thread_sharing()
            try:
                wrapper.close()
            finally:
                wrapper.dec_thread_sharing()
