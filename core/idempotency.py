"""``Idempotency-Key`` support for command endpoints (per user).

``run_idempotent`` inserts the key row first, inside the transaction that performs the
command. A concurrent request with the same key blocks on the unique (user, key) index until the
first transaction ends: after a commit it replays the stored status and body (no second effect);
after a rollback (the command failed) it runs the command itself. Failed commands store nothing,
so a client may retry a refused request with the same key. The same key with a different
method, path or body is a 422 ``IDEMPOTENCY_KEY_REUSED``.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ApplicationError, ValidationFailed
from core.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
MIN_RETENTION_HOURS = 24


class IdempotencyKeyReused(ApplicationError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422
    message = "This Idempotency-Key was already used with a different request."


def request_fingerprint(request) -> str:
    """sha256 over method, path and body (JSON bodies canonicalised: key order and whitespace
    do not matter). Parse the body first: malformed JSON is a 400 before this."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    raw = "\n".join([request.method.upper(), request.path, body])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def key_from_request(request) -> str | None:
    """The header's value, or None when absent; an empty or over-long key is a 400."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.",
            details={HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]},
        )
    return key


def run_idempotent(*, request, action: Callable[[], tuple[int, Any]]) -> tuple[int, Any, bool]:
    """Run ``action() -> (status, body)`` at most once per (user, Idempotency-Key).

    Returns ``(status, body, replayed)``. Without the header, ``action`` simply runs.
    """
    key = key_from_request(request)
    if key is None:
        return (*action(), False)
    user = request.user
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            stored = IdempotencyKey.objects.get(user=user, key=key)
            if stored.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return stored.response_status, stored.response_body, True
        status, body = action()
        record.response_status = status
        record.response_body = json.loads(json.dumps(body, default=str))
        record.save(update_fields=["response_status", "response_body"])
    return status, record.response_body, False


def retention() -> timedelta:
    hours = max(MIN_RETENTION_HOURS, int(getattr(settings, "IDEMPOTENCY_KEY_RETENTION_HOURS", 48)))
    return timedelta(hours=hours)


def prune_idempotency_keys(*, now=None) -> int:
    """Delete keys older than the retention (never less than 24 h); returns how many."""
    cutoff = (now or timezone.now()) - retention()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("Pruned %d idempotency keys older than %s", deleted, cutoff.isoformat())
    return deleted
