"""Routing a delivered envelope to handlers: once per (event, handler), rejections recorded."""

import json
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from events.dispatch import MalformedEvent, dispatch_batch, dispatch_envelope, parse_message
from events.models import DeadLetter, ProcessedEvent
from events.registry import EventRejected
from events.services import build_envelope


def _envelope(user):
    return build_envelope(
        "player.levelup",
        {"user_id": str(user.pk), "old_level": 1, "new_level": 2, "total_xp": 400},
    )


@pytest.mark.django_db
def test_redelivered_event_has_no_second_effect(user, handlers):
    calls = []
    handlers.add("player.levelup", calls.append)
    envelope = _envelope(user)
    first = dispatch_envelope(envelope)
    second = dispatch_envelope(envelope)
    assert (first.processed, first.duplicates) == (1, 0)
    assert (second.processed, second.duplicates) == (0, 1)
    assert len(calls) == 1
    row = ProcessedEvent.objects.get()
    assert (str(row.event_id), row.event_type, row.outcome) == (
        envelope["event_id"],
        "player.levelup",
        "processed",
    )


@pytest.mark.django_db
def test_failing_handler_rolls_back_its_effects_and_its_ledger_row(user, handlers):
    def flaky(envelope):
        ProcessedEvent.objects.create(event_id=uuid.uuid4(), handler="side-effect", event_type="x")
        raise RuntimeError("database hiccup")

    handlers.add("player.levelup", flaky)
    with pytest.raises(RuntimeError):
        dispatch_envelope(_envelope(user))
    assert not ProcessedEvent.objects.exists()  # retried later as if never seen


@pytest.mark.django_db
def test_second_handler_retried_alone_after_a_failure(user, handlers):
    calls = {"a": 0, "b": 0}

    def a(envelope):
        calls["a"] += 1

    def b(envelope):
        calls["b"] += 1
        if calls["b"] == 1:
            raise RuntimeError("first try fails")

    handlers.add("player.levelup", a)
    handlers.add("player.levelup", b)
    envelope = _envelope(user)
    with pytest.raises(RuntimeError):
        dispatch_envelope(envelope)
    result = dispatch_envelope(envelope)
    assert calls == {"a": 1, "b": 2}
    assert (result.processed, result.duplicates) == (1, 1)


@pytest.mark.django_db
def test_rejected_event_goes_to_dead_letters_once(user, handlers):
    def picky(envelope):
        ProcessedEvent.objects.create(event_id=uuid.uuid4(), handler="side-effect", event_type="x")
        raise EventRejected("player is banned")

    handlers.add("player.levelup", picky)
    envelope = _envelope(user)
    assert dispatch_envelope(envelope, source="test").rejected == ["player is banned"]
    assert dispatch_envelope(envelope, source="test").duplicates == 1
    dead = DeadLetter.objects.get()
    assert (str(dead.event_id), dead.reason, dead.source) == (
        envelope["event_id"],
        "player is banned",
        "test",
    )
    assert dead.handler.endswith("picky")
    assert json.loads(dead.payload)["event_id"] == envelope["event_id"]
    assert ProcessedEvent.objects.get().outcome == "rejected"  # the side effect rolled back


@pytest.mark.django_db
def test_one_event_handler_over_a_batch_commits_once_and_isolates_failures(user, handlers):
    """A one-event handler over a batch: one claim INSERT and one transaction for the batch,
    each event in a savepoint; a failing and a refused event are rolled back alone, each handler
    call once per delivery, and the failing one is claimed again on redelivery."""
    calls = []

    def handler(envelope):
        calls.append(envelope["event_id"])
        ProcessedEvent.objects.create(event_id=uuid.uuid4(), handler="side-effect", event_type="x")
        if envelope["data"]["total_xp"] == 401:
            raise RuntimeError("poison")
        if envelope["data"]["total_xp"] == 402:
            raise EventRejected("refused")

    handlers.add("player.levelup", handler)
    batch = [_envelope(user) for _ in range(5)]
    batch[1]["data"]["total_xp"], batch[3]["data"]["total_xp"] = 401, 402
    with CaptureQueriesContext(connection) as ctx:
        result = dispatch_batch(batch)
    assert len(calls) == 5
    assert list(result.failed) == [batch[1]["event_id"]]
    assert (result.processed, result.rejected) == (3, ["refused"])
    claims = [q for q in ctx.captured_queries if "INTO events_processedevent" in q["sql"]]
    assert len(claims) == 1
    assert ProcessedEvent.objects.filter(handler="side-effect").count() == 3
    ledger = dict(
        ProcessedEvent.objects.exclude(handler="side-effect").values_list("event_id", "outcome")
    )
    assert {str(k): v for k, v in ledger.items()} == {
        batch[0]["event_id"]: "processed",
        batch[2]["event_id"]: "processed",
        batch[3]["event_id"]: "rejected",
        batch[4]["event_id"]: "processed",
    }
    assert DeadLetter.objects.get().event_id == uuid.UUID(batch[3]["event_id"])
    batch[1]["data"]["total_xp"] = 400  # redelivered once it can succeed
    again = dispatch_batch(batch)
    assert (again.processed, again.duplicates, again.failed) == (1, 4, {})


@pytest.mark.django_db(transaction=True)
def test_dispatch_joins_the_callers_transaction(user, handlers):
    handlers.add("player.levelup", lambda env: None)
    with pytest.raises(RuntimeError), transaction.atomic():
        dispatch_envelope(_envelope(user))
        raise RuntimeError("outer rollback")
    assert not ProcessedEvent.objects.exists()
    connection.close()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event_id": "x"}', "envelope lacks event_type, timestamp, data"),
        (
            b'{"event_id": "x", "event_type": "player.levelup", "timestamp": "t", "data": {}}',
            "event_id is not a UUID",
        ),
    ],
)
def test_parse_message_names_what_is_wrong(raw, reason):
    with pytest.raises(MalformedEvent, match=reason):
        parse_message(raw)


def test_parse_message_checks_data_and_attributes():
    envelope = build_envelope(
        "player.levelup",
        {"user_id": str(uuid.uuid4()), "old_level": 1, "new_level": -2, "total_xp": 1},
    )
    with pytest.raises(MalformedEvent, match="new_level must not be negative"):
        parse_message(json.dumps(envelope).encode())
    envelope["data"]["new_level"] = 2
    raw = json.dumps(envelope).encode()
    assert parse_message(raw, {"event_type": "player.levelup"})["event_id"] == envelope["event_id"]
    with pytest.raises(MalformedEvent, match="attribute event_type"):
        parse_message(raw, {"event_type": "match.completed"})


@pytest.mark.django_db
def test_dead_letter_keeps_nul_bytes_escaped():
    from events.dispatch import record_dead_letter

    record_dead_letter(reason="message data is not JSON", payload="\x00garbage", source="consumer")
    assert DeadLetter.objects.get().payload == "\\x00garbage"
