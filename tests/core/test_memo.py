"""core.memo.VersionedMemo: kept within the fresh window without asking the version, produced
again only when the version moved or the value is too old, nothing kept without a version.
The module's clock is moved by hand."""

import pytest

from core import memo


class Clock:
    now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(memo.time, "monotonic", fake)
    return fake


@pytest.fixture
def kept():
    return memo.VersionedMemo(lambda: 1.0, lambda: 30.0, max_entries=3)


class Source:
    def __init__(self):
        self.version, self.asked, self.produced = "v1", 0, 0

    def read_version(self):
        self.asked += 1
        return self.version

    def produce(self):
        self.produced += 1
        return f"value {self.produced} at {self.version}"


def test_fresh_values_ask_nothing_then_the_version_decides(kept, clock):
    src = Source()
    assert kept.get("k", src.read_version, src.produce) == "value 1 at v1"
    clock.now += 0.5
    assert kept.get("k", src.read_version, src.produce) == "value 1 at v1"
    assert (src.asked, src.produced) == (1, 1)  # within the window: not even the version
    clock.now += 0.5
    assert kept.get("k", src.read_version, src.produce) == "value 1 at v1"
    assert (src.asked, src.produced) == (2, 1)  # same version: kept
    src.version = "v2"
    assert kept.get("k", src.read_version, src.produce) == "value 1 at v1"  # checked 0 s ago
    clock.now += 1.0
    assert kept.get("k", src.read_version, src.produce) == "value 2 at v2"


def test_too_old_is_produced_again_whatever_the_version(kept, clock):
    src = Source()
    kept.get("k", src.read_version, src.produce)
    for _ in range(29):
        clock.now += 1.0
        kept.get("k", src.read_version, src.produce)
    assert src.produced == 1
    clock.now += 1.0
    assert kept.get("k", src.read_version, src.produce) == "value 2 at v1"


def test_without_a_version_nothing_is_kept(kept, clock):
    src = Source()
    src.version = None
    kept.get("k", src.read_version, src.produce)
    kept.get("k", src.read_version, src.produce)
    assert src.produced == 2


def test_a_failed_production_keeps_nothing(kept, clock):
    def fail():
        raise ValueError("bad filter")

    with pytest.raises(ValueError):
        kept.get("k", lambda: "v1", fail)
    assert kept.get("k", lambda: "v1", lambda: "ok") == "ok"


def test_the_number_of_kept_values_is_bounded(kept, clock):
    for key in range(5):
        kept.get(key, lambda: "v1", lambda key=key: key)
    assert len(kept._entries) <= 3
