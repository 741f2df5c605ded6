"""The one cache helper. Keys are ``{service}:{entity}:{id}``. Cached data is derived: a failing
cache is logged and the caller falls through to the database."""

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from core.outage import outage_report

logger = logging.getLogger(__name__)

_MISS = object()


def cache_key(service: str, entity: str, ident: Any) -> str:
    return f"{service}:{entity}:{ident}"


def get_or_set_json(key: str, producer: Callable[[], Any], timeout: int = 60) -> Any:
    """The cached JSON value at ``key``, or ``producer()`` stored there (JSON-serialisable)."""
    try:
        raw = cache.get(key, _MISS)
    except Exception as exc:  # noqa: BLE001 - any cache backend error; the outage is reported
        outage_report(logger, "Cache", exc, "reading from the database")
        return producer()
    if raw is not _MISS:
        return json.loads(raw)
    value = producer()
    try:
        cache.set(key, json.dumps(value, default=str), timeout)
    except Exception as exc:  # noqa: BLE001 - any cache backend error; the outage is reported
        outage_report(logger, "Cache", exc, "value not cached")
    return value


def invalidate(*keys: str) -> None:
    """Delete keys after the current transaction commits (at once outside a transaction)."""

    def _delete():
        try:
            cache.delete_many(list(keys))
        except Exception as exc:  # noqa: BLE001 - any cache backend error
            # Not rate-limited like the others: a missed invalidation leaves stale data behind.
            logger.warning("Cache invalidation failed for %s: %s", keys, exc)

    transaction.on_commit(_delete)
