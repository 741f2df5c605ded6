"""An in-process gRPC Pub/Sub fake that serves the real google-cloud-pubsub client (tests, bench).

Publisher: CreateTopic, GetTopic, Publish. Subscriber: CreateSubscription, GetSubscription, Pull,
StreamingPull, Acknowledge, ModifyAckDeadline. At-least-once like the real service: a message
leased to a client comes back after its ack deadline or a nack (deadline 0); with a dead-letter
policy it is forwarded to the dead-letter topic after ``max_delivery_attempts`` deliveries.
``deliver_twice`` delivers every message twice (duplicate-delivery tests); ``stop()``/``start()``
take the "bus" down and bring it back on the same port with its state intact.

    fake = FakePubSub(); host = fake.start()   # "127.0.0.1:PORT" for PUBSUB_EMULATOR_HOST
"""

import heapq
import itertools
import threading
import time
import uuid
from collections import deque
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from google.protobuf import empty_pb2
from google.pubsub_v1 import types as t

_EMPTY = empty_pb2.Empty().SerializeToString()


@dataclass
class _Entry:
    message: t.PubsubMessage
    attempts: int = 0


@dataclass
class _Sub:
    name: str
    topic: str
    ack_deadline: int
    dead_letter_topic: str = ""
    max_attempts: int = 0
    pending: deque = field(default_factory=deque)
    leased: dict = field(default_factory=dict)  # ack_id -> [entry, deadline]
    deadlines: list = field(default_factory=list)  # heap of (deadline, ack_id), lazy
    proto: t.Subscription | None = None


def _unary(fn, request_type, response_type=None):
    return grpc.unary_unary_rpc_method_handler(
        fn,
        request_deserializer=request_type.deserialize,
        response_serializer=(response_type.serialize if response_type else lambda _: _EMPTY),
    )


class FakePubSub:
    def __init__(self, *, deliver_twice: bool = False, max_workers: int = 64):
        self.deliver_twice = deliver_twice
        self.max_workers = max_workers
        self.port = 0
        self._server = None
        self._cond = threading.Condition()
        self._topics: dict[str, t.Topic] = {}
        self._subs: dict[str, _Sub] = {}
        self._ids = itertools.count(1)
        self.published: dict[str, int] = {}

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> str:
        # No SO_REUSEPORT (gRPC's default on Linux): a port in use must fail, not be shared.
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self.max_workers),
            options=[("grpc.so_reuseport", 0)],
        )
        server.add_generic_rpc_handlers(self._handlers())
        self.port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        server.start()
        self._server = server
        return self.address

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self, grace: float | None = 0) -> None:
        if self._server is not None:
            self._server.stop(grace).wait()
            self._server = None
        with self._cond:
            self._cond.notify_all()

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- introspection for tests ------------------------------------------------------------
    def backlog(self, subscription: str) -> int:
        """Messages not yet acknowledged on a subscription (waiting or leased)."""
        with self._cond:
            sub = self._subs[subscription]
            self._expire(sub, time.monotonic())
            return len(sub.pending) + len(sub.leased)

    def topic_names(self) -> list[str]:
        with self._cond:
            return list(self._topics)

    def subscription_names(self) -> list[str]:
        with self._cond:
            return list(self._subs)

    # --- state transitions (under self._cond) -----------------------------------------------
    def _fan_out(self, topic: str, message: t.PubsubMessage) -> None:
        copies = 2 if self.deliver_twice else 1
        for sub in self._subs.values():
            if sub.topic == topic:
                for _ in range(copies):
                    sub.pending.append(_Entry(message))
        self.published[topic] = self.published.get(topic, 0) + 1

    def _release(self, sub: _Sub, ack_id: str) -> None:
        entry, _ = sub.leased.pop(ack_id)
        if sub.dead_letter_topic and entry.attempts >= sub.max_attempts:
            if sub.dead_letter_topic in self._topics:
                attributes = dict(entry.message.attributes)
                attributes["CloudPubSubDeadLetterSourceSubscription"] = sub.name.split("/")[-1]
                attributes["CloudPubSubDeadLetterSourceDeliveryCount"] = str(entry.attempts)
                forwarded = t.PubsubMessage(
                    data=entry.message.data,
                    attributes=attributes,
                    message_id=str(next(self._ids)),
                    publish_time=datetime.now(UTC),
                )
                self._fan_out(sub.dead_letter_topic, forwarded)
            return
        sub.pending.appendleft(entry)

    def _expire(self, sub: _Sub, now: float) -> None:
        while sub.deadlines and sub.deadlines[0][0] <= now:
            _, ack_id = heapq.heappop(sub.deadlines)
            lease = sub.leased.get(ack_id)
            if lease is not None and lease[1] <= now:
                self._release(sub, ack_id)
            elif lease is not None:
                heapq.heappush(sub.deadlines, (lease[1], ack_id))

    def _lease(self, sub: _Sub, limit: int, deadline_seconds: int) -> list[t.ReceivedMessage]:
        now = time.monotonic()
        self._expire(sub, now)
        received = []
        while sub.pending and len(received) < limit:
            entry = sub.pending.popleft()
            entry.attempts += 1
            ack_id = uuid.uuid4().hex
            deadline = now + deadline_seconds
            sub.leased[ack_id] = [entry, deadline]
            heapq.heappush(sub.deadlines, (deadline, ack_id))
            received.append(
                t.ReceivedMessage(
                    ack_id=ack_id,
                    message=entry.message,
                    delivery_attempt=entry.attempts if sub.dead_letter_topic else 0,
                )
            )
        return received

    def _ack(self, sub: _Sub, ack_ids) -> None:
        for ack_id in ack_ids:
            sub.leased.pop(ack_id, None)

    def _modack(self, sub: _Sub, ack_ids, seconds: int) -> None:
        now = time.monotonic()
        for ack_id in ack_ids:
            lease = sub.leased.get(ack_id)
            if lease is None:
                continue
            if seconds <= 0:
                self._release(sub, ack_id)
            else:
                lease[1] = now + seconds
                heapq.heappush(sub.deadlines, (lease[1], ack_id))
        self._cond.notify_all()

    def _sub(self, name: str, context) -> _Sub:
        sub = self._subs.get(name)
        if sub is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Subscription does not exist: {name}")
        return sub

    # --- Publisher --------------------------------------------------------------------------
    def create_topic(self, request: t.Topic, context):
        with self._cond:
            if request.name in self._topics:
                context.abort(grpc.StatusCode.ALREADY_EXISTS, "Topic already exists")
            self._topics[request.name] = t.Topic(name=request.name)
            return self._topics[request.name]

    def get_topic(self, request: t.GetTopicRequest, context):
        with self._cond:
            if request.topic not in self._topics:
                context.abort(grpc.StatusCode.NOT_FOUND, "Topic not found")
            return self._topics[request.topic]

    def publish(self, request: t.PublishRequest, context):
        with self._cond:
            if request.topic not in self._topics:
                context.abort(grpc.StatusCode.NOT_FOUND, "Topic not found")
            ids = []
            for message in request.messages:
                message_id = str(next(self._ids))
                stored = t.PubsubMessage(
                    data=message.data,
                    attributes=dict(message.attributes),
                    message_id=message_id,
                    publish_time=datetime.now(UTC),
                )
                self._fan_out(request.topic, stored)
                ids.append(message_id)
            self._cond.notify_all()
            return t.PublishResponse(message_ids=ids)

    # --- Subscriber -------------------------------------------------------------------------
    def create_subscription(self, request: t.Subscription, context):
        with self._cond:
            if request.name in self._subs:
                context.abort(grpc.StatusCode.ALREADY_EXISTS, "Subscription already exists")
            if request.topic not in self._topics:
                context.abort(grpc.StatusCode.NOT_FOUND, "Topic not found")
            policy = request.dead_letter_policy
            self._subs[request.name] = _Sub(
                name=request.name,
                topic=request.topic,
                ack_deadline=request.ack_deadline_seconds or 10,
                dead_letter_topic=policy.dead_letter_topic if policy else "",
                max_attempts=(policy.max_delivery_attempts or 5) if policy else 0,
                proto=request,
            )
            return request

    def get_subscription(self, request: t.GetSubscriptionRequest, context):
        with self._cond:
            return self._sub(request.subscription, context).proto

    def pull(self, request: t.PullRequest, context):
        end = time.monotonic() + 0.5
        with self._cond:
            sub = self._sub(request.subscription, context)
            while True:
                received = self._lease(sub, request.max_messages or 100, sub.ack_deadline)
                remaining = end - time.monotonic()
                if received or remaining <= 0 or not context.is_active():
                    return t.PullResponse(received_messages=received)
                self._cond.wait(min(remaining, 0.05))

    def acknowledge(self, request: t.AcknowledgeRequest, context):
        with self._cond:
            self._ack(self._sub(request.subscription, context), request.ack_ids)
        return None

    def modify_ack_deadline(self, request: t.ModifyAckDeadlineRequest, context):
        with self._cond:
            sub = self._sub(request.subscription, context)
            self._modack(sub, request.ack_ids, request.ack_deadline_seconds)
        return None

    def streaming_pull(self, request_iterator, context):
        first = next(request_iterator)
        with self._cond:
            sub = self._sub(first.subscription, context)
        deadline_seconds = first.stream_ack_deadline_seconds or sub.ack_deadline
        max_outstanding = first.max_outstanding_messages or 1000
        mine: set[str] = set()
        closed = threading.Event()

        def apply(req) -> None:
            with self._cond:
                self._ack(sub, req.ack_ids)
                for ack_id, seconds in zip(
                    req.modify_deadline_ack_ids, req.modify_deadline_seconds, strict=False
                ):
                    self._modack(sub, [ack_id], seconds)

        def read_requests() -> None:
            try:
                for req in request_iterator:
                    apply(req)
            except grpc.RpcError:
                pass  # the client went away
            finally:
                closed.set()
                with self._cond:
                    self._cond.notify_all()

        apply(first)
        threading.Thread(target=read_requests, daemon=True).start()
        while not closed.is_set() and context.is_active() and self._server is not None:
            with self._cond:
                mine.intersection_update(sub.leased)
                room = max_outstanding - len(mine)
                received = self._lease(sub, min(room, 500), deadline_seconds) if room > 0 else []
                if not received:
                    self._cond.wait(0.05)
                    continue
                mine.update(m.ack_id for m in received)
            yield t.StreamingPullResponse(received_messages=received)

    def _handlers(self):
        publisher = grpc.method_handlers_generic_handler(
            "google.pubsub.v1.Publisher",
            {
                "CreateTopic": _unary(self.create_topic, t.Topic, t.Topic),
                "GetTopic": _unary(self.get_topic, t.GetTopicRequest, t.Topic),
                "Publish": _unary(self.publish, t.PublishRequest, t.PublishResponse),
            },
        )
        subscriber = grpc.method_handlers_generic_handler(
            "google.pubsub.v1.Subscriber",
            {
                "CreateSubscription": _unary(
                    self.create_subscription, t.Subscription, t.Subscription
                ),
                "GetSubscription": _unary(
                    self.get_subscription, t.GetSubscriptionRequest, t.Subscription
                ),
                "Pull": _unary(self.pull, t.PullRequest, t.PullResponse),
                "Acknowledge": _unary(self.acknowledge, t.AcknowledgeRequest),
                "ModifyAckDeadline": _unary(self.modify_ack_deadline, t.ModifyAckDeadlineRequest),
                "StreamingPull": grpc.stream_stream_rpc_method_handler(
                    self.streaming_pull,
                    request_deserializer=t.StreamingPullRequest.deserialize,
                    response_serializer=t.StreamingPullResponse.serialize,
                ),
            },
        )
        return (publisher, subscriber)


def main() -> None:  # pragma: no cover - manual use: python -m events.testing.pubsub_fake
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8085)
    args = parser.parse_args()
    fake = FakePubSub()
    fake.port = args.port
    print(f"Fake Pub/Sub on {fake.start()} (PUBSUB_EMULATOR_HOST)", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
