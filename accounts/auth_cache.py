"""The authentication cache: what a request reads of its user, with the token's revocation
state, in one Redis round trip (one Lua script) in the common case.

Per request the read script returns the Redis time, the cache lease, the user's entry and
generation, and whether the token's ``jti`` or family is revoked (``accounts.revocation``'s
keys). The entry is used when the lease exists, the entry was cached under the lease's epoch and
the user's current generation. Otherwise the user is read from the database (one statement,
``accounts.selectors.user_auth_row``) and cached by a second script.

Invalidation (``user_changed``): every change to what the entry holds — logout-all, password
change and reset, deactivation and reactivation, the denylist flag, a profile save (display
name), a TOTP device saved or deleted, any save of the user — bumps the user's generation and
deletes the entry, at once and again after commit. A fill only lands when the generation it read
before its database read is still current, so a read racing a change never caches the old row.

Never failing open. Reads: without Redis, or when the read script fails, the database decides
(the user row and ``accounts.revocation``'s database copy), as before this cache. Invalidations
that cannot reach Redis: the entry may survive the outage, so the change also bumps the epoch in
the database (``AuthCacheEpoch``), and the request waits one lease length after commit before
answering. Every lease is granted only by a request that read the epoch from the database, and
expires one lease length after a Redis time taken *before* that read: once the wait is over, a
lease granted before the bump has expired and every later one carries the new epoch, under
which no old entry is used.
"""

import logging
import time
import uuid
from datetime import datetime

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F
from redis.exceptions import RedisError

from accounts import revocation, selectors
from accounts.models import AuthCacheEpoch, User
from core.outage import outage_report
from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)

GENERATION_TTL_SECONDS = 86_400  # longer than any entry lives

# KEYS: lease, entry, generation, then the token's revocation keys.
# Returns {seconds, microseconds, lease, entry, generation, revoked (0/1)}.
_READ = """
local t = redis.call('TIME')
local revoked = 0
for i = 4, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then revoked = 1 end
end
return {t[1], t[2], redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]),
        redis.call('GET', KEYS[3]), revoked}
"""

# KEYS: lease, entry, generation. ARGV: epoch, lease expiry (unix ms), entry, the generation read
# before the database read ('' for none), entry TTL (s).
_FILL = """
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
local generation = redis.call('GET', KEYS[3]) or ''
if generation == ARGV[4] and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[5])
end
return 1
"""

_DATETIMES = ("date_joined", "tokens_valid_after", "denylist_in_db_until")


def _lease_key() -> str:
    return rkey("auth", "user-cache", "lease")


def _entry_key(user_id) -> str:
    return rkey("auth", "user-cache", "user", user_id)


def _generation_key(user_id) -> str:
    return rkey("auth", "user-cache", "generation", user_id)


def _lease_seconds() -> float:
    return settings.AUTH_CACHE_LEASE_SECONDS


def _scripts(client):
    if getattr(client, "_auth_cache_scripts", None) is None:
        client._auth_cache_scripts = (client.register_script(_READ), client.register_script(_FILL))
    return client._auth_cache_scripts


def _decode(raw: str | None) -> dict | None:
    if raw is None:
        return None
    row = orjson.loads(raw)
    row["id"] = uuid.UUID(row["id"])
    for name in _DATETIMES:
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name])
    return row


def user_for_token(user_id, token) -> tuple[User | None, bool]:
    """(The token's user or None, whether the token is revoked) — see the module docstring."""
    client = get_redis()
    if client is None:
        return _from_database(user_id, token)
    read, fill = _scripts(client)
    keys = [_lease_key(), _entry_key(user_id), _generation_key(user_id)]
    try:
        seconds, micros, lease, raw, generation, denied = read(
            keys=keys + revocation.redis_keys(token)
        )
    except (RedisError, OSError) as exc:
        # The same outage as revocation's own check: this read carries the revocation state.
        outage_report(logger, "Redis (token revocation)", exc, "checking the database")
        return _from_database(user_id, token, redis_failed=True)
    denied, generation = bool(denied), generation or ""
    row = _decode(raw)
    if (
        row is not None
        and lease is not None
        and str(row["auth_cache_epoch"]) == lease
        and row["generation"] == generation
    ):
        user = selectors.user_from_row(row)
        return user, revocation.is_access_token_revoked(user, token, denied_in_redis=denied)
    row = selectors.user_auth_row(user_id)
    if row is None:
        return None, False
    row["auth_cache_epoch"] = epoch = row["auth_cache_epoch"] or 0
    row["generation"] = generation
    lease_until_ms = int(seconds) * 1000 + int(micros) // 1000 + int(_lease_seconds() * 1000)
    try:
        fill(
            keys=keys,
            args=[
                epoch,
                lease_until_ms,
                orjson.dumps(row),
                generation,
                settings.AUTH_CACHE_SECONDS,
            ],
        )
    except (RedisError, OSError) as exc:
        outage_report(logger, "Redis (authentication cache)", exc, "not caching the user")
    user = selectors.user_from_row(row)
    return user, revocation.is_access_token_revoked(user, token, denied_in_redis=denied)


def _from_database(user_id, token, *, redis_failed: bool = False) -> tuple[User | None, bool]:
    row = selectors.user_auth_row(user_id)
    if row is None:
        return None, False
    user = selectors.user_from_row(row)
    return user, revocation.is_access_token_revoked(user, token, redis_failed=redis_failed)


# --- invalidation --------------------------------------------------------------------------------


def user_changed(user_id) -> None:
    """What the cache holds of this user changed (or is about to, in this transaction): drop the
    entry now and again after commit."""
    if get_redis() is None:
        return
    _invalidate(user_id, after_commit=False)
    transaction.on_commit(lambda: _invalidate(user_id, after_commit=True))


def _invalidate(user_id, *, after_commit: bool) -> None:
    client = get_redis()
    try:
        pipe = client.pipeline(transaction=True)
        pipe.incr(_generation_key(user_id))
        pipe.expire(_generation_key(user_id), GENERATION_TTL_SECONDS)
        pipe.delete(_entry_key(user_id))
        pipe.execute()
    except (RedisError, OSError) as exc:
        outage_report(logger, "Redis (authentication cache)", exc, "bumping the cache epoch")
        epoch_bump()
        if after_commit:
            # Until every lease granted before the bump has run out an old entry may still be
            # used: the change is reported done only after that.
            time.sleep(_lease_seconds())


def epoch_bump() -> None:
    """Invalidate every cached entry (once the current lease has run out)."""
    if not AuthCacheEpoch.objects.filter(pk=1).update(value=F("value") + 1):
        AuthCacheEpoch.objects.get_or_create(pk=1, defaults={"value": 1})
