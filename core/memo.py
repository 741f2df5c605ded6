"""Renderings kept in each web process, keyed by the version of what they show.

``VersionedMemo.get(key, version, produce)``: within ``fresh_seconds`` of the last check a
cached value is returned without calling ``version`` at all (no store round trip); after that
``version()`` is asked once, and the value is produced again only when the version moved. So a
change shows at most ``fresh_seconds`` (plus one rendering) after its version moved. A
``version()`` of None (the store is absent or failing) means nothing can be keyed: the value is
produced for this request and not kept. A value older than ``max_age_seconds`` is produced again
whatever the version (for what changes with time alone, such as a sale window closing)."""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class VersionedMemo:
    def __init__(
        self,
        fresh_seconds: Callable[[], float],
        max_age_seconds: Callable[[], float],
        max_entries: int = 512,
    ):
        self._fresh_seconds = fresh_seconds
        self._max_age_seconds = max_age_seconds
        self._max_entries = max_entries
        # key -> (version, checked at, produced at, value)
        self._entries: dict[Hashable, tuple[Any, float, float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Callable[[], Any], produce: Callable[[], Any]) -> Any:
        now = time.monotonic()
        cached = self._entries.get(key)
        if cached is not None and now - cached[2] >= self._max_age_seconds():
            cached = None
        if cached is not None and now - cached[1] < self._fresh_seconds():
            return cached[3]
        current = version()
        if current is None:
            return produce()
        if cached is not None and cached[0] == current:
            entry = (current, now, cached[2], cached[3])
        else:  # produced after the version was read: a change during it shows next time
            entry = (current, now, now, produce())
        with self._lock:
            if len(self._entries) >= self._max_entries and key not in self._entries:
                self._entries.clear()
            self._entries[key] = entry
        return entry[3]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
