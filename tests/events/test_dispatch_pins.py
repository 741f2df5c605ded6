"""Pins of the dispatcher's batch contract (events.dispatch, the module docstring and
events.registry): a batch handler sees each fresh event once, in delivery order; replays and
repeats inside a batch are duplicates; refusals are dead-lettered with their reason; a failing
batch is split in halves down to the poison event, which alone is reported failed; each outcome
is counted once per event and handler; the lag follows only the events that took effect."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from events import metrics, registry
from events.dispatch import (
    MalformedEvent,
    check_envelope,
    dispatch_batch,
    dispatch_envelope,
    parse_message,
    record_dead_letter,
)
from events.models import DeadLetter, ProcessedEvent
from events.registry import EventRejected, handler_name
from events.services import build_envelope

pytestmark = pytest.mark.django_db

LEVELUP = "player.levelup"


def _levelups(n, *, start=None):
    """``n`` levelup envelopes with distinct users and timestamps one second apart."""
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        envelope = build_envelope(
            LEVELUP,
            {"user_id": str(uuid.uuid4()), "old_level": 1, "new_level": 2, "total_xp": 400},
        )
        envelope["timestamp"] = (start + timedelta(seconds=i)).isoformat()
        out.append(envelope)
    return out


def _ids(envelopes):
    return [e["event_id"] for e in envelopes]


def _batch_handler(fn):
    """Register ``fn`` as a batch handler in the test's private registry (``batch_registry``)."""
    registry.handles(LEVELUP, batch=True)(fn)
    return fn


@pytest.fixture
def batch_registry(handlers, monkeypatch):
    """``handlers`` (a private handler table) with a private list of batch handlers too."""
    monkeypatch.setattr(registry, "_BATCH", [])
    return handlers


def _consumed(fn, outcome) -> float:
    return metrics.CONSUMED.labels(LEVELUP, handler_name(fn), outcome)._value.get()


def _timed(fn) -> float:
    hist = metrics.HANDLER_DURATION.labels(LEVELUP, handler_name(fn))
    return next(s.value for s in hist.collect()[0].samples if s.name.endswith("_count"))


def test_batch_handler_gets_the_fresh_events_once_in_order(batch_registry):
    calls = []
    fn = _batch_handler(lambda envs: calls.append(_ids(envs)))
    batch = _levelups(4)
    processed_before = _consumed(fn, "processed")
    result = dispatch_batch(batch, source="consumer")
    assert calls == [_ids(batch)]
    assert (result.processed, result.duplicates, result.rejected, result.failed) == (4, 0, [], {})
    rows = ProcessedEvent.objects.filter(handler=handler_name(fn))
    assert sorted(str(r.event_id) for r in rows) == sorted(_ids(batch))
    assert {(r.event_type, r.outcome) for r in rows} == {(LEVELUP, "processed")}
    assert _consumed(fn, "processed") - processed_before == 4


def test_a_replayed_part_of_a_batch_is_a_duplicate(batch_registry):
    calls = []
    fn = _batch_handler(lambda envs: calls.append(_ids(envs)))
    batch = _levelups(5)
    dispatch_batch(batch[1:3])
    duplicates_before = _consumed(fn, "duplicate")
    timed_before = _timed(fn)
    result = dispatch_batch(batch)
    assert calls == [_ids(batch[1:3]), _ids([batch[0], *batch[3:]])]
    assert (result.processed, result.duplicates) == (3, 2)
    assert _consumed(fn, "duplicate") - duplicates_before == 2
    assert _timed(fn) - timed_before == 3  # each applied event timed, a duplicate not
    again = dispatch_batch(batch)
    assert (again.processed, again.duplicates) == (0, 5)
    assert len(calls) == 2  # nothing fresh: the handler is not called


def test_the_same_event_twice_in_one_batch_is_applied_once(batch_registry):
    calls = []
    _batch_handler(lambda envs: calls.append(_ids(envs)))
    a, b = _levelups(2)
    result = dispatch_batch([a, b, a])
    assert calls == [_ids([a, b])]
    assert (result.processed, result.duplicates) == (2, 1)
    assert ProcessedEvent.objects.count() == 2


def test_refused_events_of_a_batch_are_dead_lettered_with_their_reason(batch_registry):
    batch = _levelups(4)
    refused = {batch[1]["event_id"]: "banned player", batch[3]["event_id"]: "unknown player"}
    applied = []

    def picky(envs):
        applied.extend(e["event_id"] for e in envs if e["event_id"] not in refused)
        ProcessedEvent.objects.create(event_id=uuid.uuid4(), handler="effect", event_type="x")
        return refused

    fn = _batch_handler(picky)
    rejected_before = _consumed(fn, "rejected")
    result = dispatch_batch(batch, source="consumer")
    assert sorted(result.rejected) == ["banned player", "unknown player"]
    assert (result.processed, result.duplicates, result.failed) == (2, 0, {})
    assert _consumed(fn, "rejected") - rejected_before == 2
    outcomes = dict(
        ProcessedEvent.objects.filter(handler=handler_name(fn)).values_list("event_id", "outcome")
    )
    assert {str(k): v for k, v in outcomes.items()} == {
        batch[0]["event_id"]: "processed",
        batch[1]["event_id"]: "rejected",
        batch[2]["event_id"]: "processed",
        batch[3]["event_id"]: "rejected",
    }
    dead = {str(d.event_id): d for d in DeadLetter.objects.all()}
    assert set(dead) == set(refused)
    for event_id, reason in refused.items():
        assert (dead[event_id].reason, dead[event_id].handler) == (reason, handler_name(fn))
        assert (dead[event_id].source, dead[event_id].event_type) == ("consumer", LEVELUP)
        assert json.loads(dead[event_id].payload)["event_id"] == event_id
    assert applied == [batch[0]["event_id"], batch[2]["event_id"]]
    assert ProcessedEvent.objects.filter(handler="effect").count() == 1  # the batch committed
    # a redelivery of the whole batch: all duplicates, no second dead letter
    again = dispatch_batch(batch, source="consumer")
    assert (again.processed, again.duplicates, again.rejected) == (0, 4, [])
    assert DeadLetter.objects.count() == 2


def test_a_poison_event_is_bisected_out_and_failed_alone(batch_registry):
    batch = _levelups(5)
    poison = batch[3]["event_id"]
    calls, applied = [], []

    def breaks_on_poison(envs):
        calls.append(_ids(envs))
        ProcessedEvent.objects.create(event_id=uuid.uuid4(), handler="effect", event_type="x")
        if poison in _ids(envs):
            raise RuntimeError("poison")
        applied.extend(_ids(envs))

    fn = _batch_handler(breaks_on_poison)
    failed_before = _consumed(fn, "failed")
    result = dispatch_batch(batch)
    ids = _ids(batch)
    # halves: [0..4] → [0,1] + [2,3,4]; [2,3,4] → [2] + [3,4]; [3,4] → [3] + [4]
    assert calls == [ids, ids[:2], ids[2:], ids[2:3], ids[3:], ids[3:4], ids[4:]]
    assert applied == [*ids[:3], ids[4]]
    assert list(result.failed) == [poison]
    assert str(result.failed[poison]) == "poison"
    assert (result.processed, result.duplicates) == (4, 0)
    assert _consumed(fn, "failed") - failed_before == 1
    assert ProcessedEvent.objects.filter(handler="effect").count() == 3  # the rest rolled back
    claimed = ProcessedEvent.objects.filter(handler=handler_name(fn)).values_list("event_id")
    assert sorted(str(e) for (e,) in claimed) == sorted(e for e in ids if e != poison)
    # redelivered alone: still failing, the neighbours untouched
    calls.clear()
    again = dispatch_batch(batch)
    assert list(again.failed) == [poison] and again.duplicates == 4
    assert calls and all(c == [poison] for c in calls)  # the duplicates never reach it


def test_one_event_handlers_run_per_event_and_a_failure_stays_with_its_event(handlers):
    batch = _levelups(3)
    seen = []

    def one(envelope):
        seen.append(envelope["event_id"])
        if envelope["event_id"] == batch[1]["event_id"]:
            raise RuntimeError("bad one")

    handlers.add(LEVELUP, one)
    result = dispatch_batch(batch)
    assert seen == _ids(batch)
    assert list(result.failed) == [batch[1]["event_id"]] and result.processed == 2


def test_a_one_event_refusal_in_a_batch_is_dead_lettered(handlers):
    batch = _levelups(3)

    def refuses_second(envelope):
        if envelope["event_id"] == batch[1]["event_id"]:
            raise EventRejected("not this one")

    handlers.add(LEVELUP, refuses_second)
    result = dispatch_batch(batch, source="relay")
    assert result.rejected == ["not this one"] and result.processed == 2
    dead = DeadLetter.objects.get()
    assert (str(dead.event_id), dead.source) == (batch[1]["event_id"], "relay")
    row = ProcessedEvent.objects.get(event_id=batch[1]["event_id"])
    assert row.outcome == "rejected"
    assert dispatch_batch(batch).duplicates == 3  # the refusal is not retried


def test_every_handler_runs_over_every_type_of_a_mixed_batch(batch_registry):
    calls = []
    fn = _batch_handler(lambda envs: calls.append(_ids(envs)))
    registry.handles("player.cosmetic_purchased", batch=True)(fn)
    levelups = _levelups(2)
    purchase = build_envelope(
        "player.cosmetic_purchased",
        {
            "user_id": str(uuid.uuid4()),
            "cosmetic_id": str(uuid.uuid4()),
            "price_paid": 5,
            "currency": "coins",
        },
    )
    result = dispatch_batch([levelups[0], purchase, levelups[1]])
    assert calls == [_ids(levelups), [purchase["event_id"]]]
    assert result.processed == 3


def test_the_lag_follows_only_the_events_that_took_effect(batch_registry, monkeypatch):
    monkeypatch.setattr(metrics, "_last_applied", metrics._LastApplied())
    batch = _levelups(3)
    newest = batch[2]["event_id"]
    _batch_handler(lambda envs: {newest: "refused"})
    dispatch_batch(batch)
    expected = datetime.fromisoformat(batch[1]["timestamp"]).timestamp()
    assert metrics._last_applied.timestamp == expected


def test_dispatch_envelope_raises_after_the_other_handlers_ran(handlers):
    (envelope,) = _levelups(1)
    ran = []

    def breaks(env):
        raise ValueError("broken")

    handlers.add(LEVELUP, breaks)
    handlers.add(LEVELUP, lambda env: ran.append(env["event_id"]))
    with pytest.raises(ValueError, match="broken"):
        dispatch_envelope(envelope)
    assert ran == [envelope["event_id"]]


def test_check_envelope_canonicalises_the_id_and_normalises_the_data():
    (envelope,) = _levelups(1)
    envelope["event_id"] = uuid.UUID(envelope["event_id"]).hex.upper()
    checked = check_envelope(envelope)
    assert checked["event_id"] == str(uuid.UUID(envelope["event_id"]))
    assert checked["data"]["new_level"] == 2
    with pytest.raises(MalformedEvent) as info:
        check_envelope({**envelope, "event_id": "nope"})
    assert info.value.envelope["event_id"] == "nope"
    with pytest.raises(MalformedEvent, match="lacks data"):
        check_envelope({k: v for k, v in envelope.items() if k != "data"})


@pytest.mark.parametrize("key", ["event_id", "event_type"])
@pytest.mark.parametrize("other", ["00000000-0000-0000-0000-000000000000", "zzz"])
def test_parse_message_refuses_an_attribute_other_than_the_envelope(key, other):
    (envelope,) = _levelups(1)
    raw = json.dumps(envelope).encode()
    with pytest.raises(MalformedEvent, match=f"attribute {key} does not match"):
        parse_message(raw, {key: other})
    assert parse_message(raw, {key: envelope[key]})["event_id"] == envelope["event_id"]


def test_dead_letter_caps_and_records_once():
    stored_before = metrics.DEAD_LETTERS.labels("unknown", "h")._value.get()
    envelope = {"event_id": str(uuid.uuid4()), "event_type": "x" * 70, "data": {}}
    record_dead_letter(reason="r", envelope=envelope, handler="h", payload="p" * 100_001)
    record_dead_letter(reason="r", envelope=envelope, handler="h", payload="p")
    dead = DeadLetter.objects.get()
    assert dead.event_type == "x" * 64
    assert len(dead.payload) == 100_000
    assert str(dead.event_id) == envelope["event_id"]
    assert metrics.DEAD_LETTERS.labels("unknown", "h")._value.get() - stored_before == 1
    record_dead_letter(reason="r2", envelope={"event_id": "not-a-uuid"}, handler="h")
    assert DeadLetter.objects.get(reason="r2").event_id is None


def _duration_sum(fn) -> float:
    hist = metrics.HANDLER_DURATION.labels(LEVELUP, handler_name(fn))
    return next(s.value for s in hist.collect()[0].samples if s.name.endswith("_sum"))


@pytest.mark.parametrize(("size", "refused"), [(1, 0), (4, 0), (4, 2), (1, 1)])
def test_a_batch_transaction_time_is_shared_by_its_events(
    batch_registry, monkeypatch, size, refused
):
    """Each fresh event, applied or refused, is timed with its share of the batch's transaction:
    the durations add up to the transaction's time (a clock that moves 10 s in the handler)."""
    now = [1000.0]
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: now[0])
    batch = _levelups(size)

    def slow(envs):
        now[0] += 10.0
        return {e["event_id"]: "refused" for e in envs[:refused]}

    fn = _batch_handler(slow)
    before = _duration_sum(fn)
    result = dispatch_batch(batch)
    assert (result.processed, len(result.rejected)) == (size - refused, refused)
    assert _duration_sum(fn) - before == pytest.approx(10.0)


def test_the_dead_letter_log_names_the_event_and_the_handler(db, caplog):
    (envelope,) = _levelups(1)
    record_dead_letter(reason="gone", envelope=envelope, handler="the-handler")
    assert f"Dead-lettered {LEVELUP} {envelope['event_id']} (the-handler): gone" in caplog.text
    record_dead_letter(reason="bad bytes", payload="x")
    assert "Dead-lettered message : bad bytes" in caplog.text


@pytest.mark.parametrize("size", [2, 3])
def test_a_one_event_handler_applies_every_event_of_a_batch(handlers, size):
    batch = _levelups(size)
    seen = []
    handlers.add(LEVELUP, lambda envelope: seen.append(envelope["event_id"]))
    result = dispatch_batch(batch)
    assert seen == _ids(batch) and result.processed == size


def test_a_one_event_handler_failure_is_timed_with_its_share_of_the_batch(handlers, monkeypatch):
    """Applied and failed events alike: the durations add up to the batch transaction's time
    (a clock that moves 10 s per handler call)."""
    now = [1000.0]
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: now[0])
    batch = _levelups(3)

    def one(envelope):
        now[0] += 10.0
        if envelope["event_id"] == batch[1]["event_id"]:
            raise RuntimeError("bad one")

    handlers.add(LEVELUP, one)
    before, failed_before = _duration_sum(one), _consumed(one, "failed")
    result = dispatch_batch(batch)
    assert list(result.failed) == [batch[1]["event_id"]] and result.processed == 2
    assert _consumed(one, "failed") - failed_before == 1
    assert _duration_sum(one) - before == pytest.approx(30.0)
