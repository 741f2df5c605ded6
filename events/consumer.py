"""The Pub/Sub consumer behind ``manage.py consume_events``.

One streaming pull per subscription through the real client (``subscriber.subscribe``), with
flow control (at most ``max_messages`` leased per subscription). The client's callback only
queues the message; ``workers`` threads each take up to ``batch_size`` queued messages at a time
(in arrival order), parse them and run the handlers over the batch (``events.dispatch``: a
batch handler in one transaction with its ``ProcessedEvent`` rows, bisected when it fails), then
ack each message only after its handlers committed. A message that fails on its own is nacked
(the bus redelivers; its dead-letter policy catches poison messages); a malformed or rejected
message is recorded in the dead-letter table and acked. ``stop()`` finishes the batches in
hand, then returns (messages still queued are nacked, to be redelivered).
"""

import logging
import queue
import threading
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, connections

from events import metrics, pubsub
from events.dispatch import MalformedEvent, dispatch_batch, parse_message, record_dead_letter

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
        batch_size: int = 100,
    ):
        self.subscriptions = [pubsub.subscription_path(s) for s in subscriptions]
        self.max_messages = max_messages
        self.workers = workers
        self.log_interval = log_interval
        self.lease_seconds = lease_seconds
        self.batch_size = max(1, batch_size)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
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
        """Handle one message now (``handle_batch`` of one)."""
        self.handle_batch([message])

    def handle_batch(self, messages: list) -> None:
        """Parse, dispatch, then ack or nack each message; never raises."""
        with self._lock:
            self._connections.add(_current_connection())
        envelopes, owners = [], {}
        for message in messages:
            try:
                envelope = parse_message(message.data, dict(message.attributes))
            except MalformedEvent as exc:
                try:
                    record_dead_letter(
                        reason=exc.reason,
                        envelope=exc.envelope,
                        payload=bytes(message.data[:100_000]).decode("utf-8", "replace"),
                        source="consumer",
                    )
                except Exception:  # noqa: BLE001 - nacked: the bus redelivers
                    self._failed([message])
                    continue
                metrics.malformed_message(exc.envelope)
                self._count(rejected=1)
                message.ack()
            else:
                envelopes.append(envelope)
                owners.setdefault(envelope["event_id"], []).append(message)
        if not envelopes:
            return
        try:
            result = dispatch_batch(envelopes, source="consumer")
        except Exception:  # noqa: BLE001 - nacked: the bus redelivers
            self._failed([m for ms in owners.values() for m in ms])
            return
        self._count(
            processed=result.processed,
            duplicates=result.duplicates,
            rejected=len(result.rejected),
        )
        for event_id, ms in owners.items():
            if event_id in result.failed:
                self._failed(ms, result.failed[event_id])
            else:
                for message in ms:
                    message.ack()

    def _failed(self, messages, exc: Exception | None = None) -> None:
        for message in messages:
            logger.error(
                "Handling message %s failed; nacked",
                message.message_id,
                exc_info=exc if exc is not None else True,
            )
            message.nack()
        connection.close()  # a broken connection is replaced on the next batch
        self._count(failed=len(messages))

    def _take(self) -> list:
        """Up to ``batch_size`` queued messages: waits for the first, then takes what is there."""
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(batch) < self.batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self._take()
                if batch:
                    self.handle_batch(batch)
        finally:
            connection.close()

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
                callback=self._queue.put,
                flow_control=flow,
                scheduler=scheduler,
                await_callbacks_on_shutdown=True,
            )
            future.add_done_callback(lambda _f: self._stop.set())
            self._futures.append(future)
        for n in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"consumer-batch-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info(
            "consume_events: pulling %s (max %d in flight each, %d workers, batches of %d)",
            ", ".join(self.subscriptions),
            self.max_messages,
            self.workers,
            self.batch_size,
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
        for thread in self._threads:  # each finishes the batch in hand
            thread.join()
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
        while True:  # queued, never handled: redelivered after their lease
            try:
                self._queue.get_nowait().nack()
            except queue.Empty:
                break
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
