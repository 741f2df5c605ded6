"""The in-process gRPC fake serves the real google-cloud-pubsub client (no mocking)."""

import threading
import time

import pytest
from google.api_core import exceptions
from google.cloud import pubsub_v1

TOPIC = "projects/fake/topics/t"
SUB = "projects/fake/subscriptions/s"
DLT = "projects/fake/topics/dead"
DLT_SUB = "projects/fake/subscriptions/dead"


@pytest.fixture
def clients(fake_pubsub, monkeypatch):
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", fake_pubsub.address)
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    publisher.create_topic(name=TOPIC)
    yield publisher, subscriber
    subscriber.close()


def _publish(publisher, *payloads):
    return [publisher.publish(TOPIC, p, event_type="x").result(timeout=5) for p in payloads]


def test_create_topic_twice_is_already_exists(clients):
    publisher, _ = clients
    with pytest.raises(exceptions.AlreadyExists):
        publisher.create_topic(name=TOPIC)
    assert publisher.get_topic(topic=TOPIC).name == TOPIC


def test_publish_to_unknown_topic_is_not_found(clients):
    publisher, _ = clients
    future = publisher.publish("projects/fake/topics/nope", b"x")
    with pytest.raises(exceptions.NotFound):
        future.result(timeout=5)


def test_pull_ack_and_nack_redelivers(clients):
    publisher, subscriber = clients
    subscriber.create_subscription(name=SUB, topic=TOPIC, ack_deadline_seconds=10)
    ids = _publish(publisher, b"a", b"b", b"c")
    assert len(set(ids)) == 3
    got = subscriber.pull(subscription=SUB, max_messages=10).received_messages
    assert [m.message.data for m in got] == [b"a", b"b", b"c"]
    assert got[0].message.attributes["event_type"] == "x"
    subscriber.acknowledge(subscription=SUB, ack_ids=[got[0].ack_id, got[1].ack_id])
    subscriber.modify_ack_deadline(
        subscription=SUB, ack_ids=[got[2].ack_id], ack_deadline_seconds=0
    )
    again = subscriber.pull(subscription=SUB, max_messages=10).received_messages
    assert [m.message.data for m in again] == [b"c"]
    subscriber.acknowledge(subscription=SUB, ack_ids=[again[0].ack_id])
    assert subscriber.pull(subscription=SUB, max_messages=10).received_messages == []


def test_expired_ack_deadline_redelivers(clients, fake_pubsub):
    publisher, subscriber = clients
    subscriber.create_subscription(name=SUB, topic=TOPIC, ack_deadline_seconds=10)
    _publish(publisher, b"slow")
    first = subscriber.pull(subscription=SUB, max_messages=1).received_messages[0]
    # Shorten the lease instead of waiting 10 s: the message comes back once it runs out.
    subscriber.modify_ack_deadline(subscription=SUB, ack_ids=[first.ack_id], ack_deadline_seconds=1)
    assert subscriber.pull(subscription=SUB, max_messages=1).received_messages == []
    time.sleep(1.1)
    second = subscriber.pull(subscription=SUB, max_messages=1).received_messages[0]
    assert second.message.message_id == first.message.message_id
    assert second.ack_id != first.ack_id
    subscriber.acknowledge(subscription=SUB, ack_ids=[first.ack_id])  # stale: no effect
    assert fake_pubsub.backlog(SUB) == 1


def test_dead_letter_policy_forwards_after_max_attempts(clients):
    publisher, subscriber = clients
    publisher.create_topic(name=DLT)
    subscriber.create_subscription(name=DLT_SUB, topic=DLT)
    subscriber.create_subscription(
        request={
            "name": SUB,
            "topic": TOPIC,
            "dead_letter_policy": {"dead_letter_topic": DLT, "max_delivery_attempts": 2},
        }
    )
    _publish(publisher, b"poison")
    for attempt in (1, 2):
        got = subscriber.pull(subscription=SUB, max_messages=1).received_messages
        assert got[0].delivery_attempt == attempt
        subscriber.modify_ack_deadline(
            subscription=SUB, ack_ids=[got[0].ack_id], ack_deadline_seconds=0
        )
    assert subscriber.pull(subscription=SUB, max_messages=1).received_messages == []
    dead = subscriber.pull(subscription=DLT_SUB, max_messages=1).received_messages
    assert dead[0].message.data == b"poison"
    assert dead[0].message.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "2"


def test_streaming_pull_subscribe_with_flow_control(clients):
    publisher, subscriber = clients
    subscriber.create_subscription(name=SUB, topic=TOPIC)
    payloads = [str(i).encode() for i in range(50)]
    _publish(publisher, *payloads)
    seen, lock, in_flight, peak = [], threading.Lock(), [0], [0]
    done = threading.Event()

    def callback(message):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.01)
        with lock:
            in_flight[0] -= 1
            seen.append(message.data)
            if len(seen) == len(payloads):
                done.set()
        message.ack()

    future = subscriber.subscribe(
        SUB, callback, flow_control=pubsub_v1.types.FlowControl(max_messages=5)
    )
    assert done.wait(15)
    future.cancel()
    future.result()
    assert sorted(seen) == sorted(payloads)
    assert peak[0] <= 5


def test_deliver_twice_and_restart_keep_state(fake_pubsub, monkeypatch):
    fake_pubsub.deliver_twice = True
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", fake_pubsub.address)
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    publisher.create_topic(name=TOPIC)
    subscriber.create_subscription(name=SUB, topic=TOPIC)
    _publish(publisher, b"twice")
    fake_pubsub.stop()
    assert not fake_pubsub.running
    fake_pubsub.start()
    got = subscriber.pull(subscription=SUB, max_messages=10).received_messages
    assert [m.message.data for m in got] == [b"twice", b"twice"]
    subscriber.close()
