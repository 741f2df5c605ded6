"""The Redis side of the leaderboards: sorted sets derived from ``PlayerRating``.

Order. A board is ELO descending, ties by user id ascending. ZREVRANGE orders equal scores by
member *descending* (byte-wise), so the member is the bitwise complement of the user id as 32
lower-case hex digits: a smaller user id gives a larger member. The score is the ELO itself
(an integer, exact in a double). Hence ZREVRANK + 1 is exactly the SQL rank.

Keys (all through ``rkey``): ``lb:global``, ``lb:country:<CC>``, ``lb:meta`` (member →
"revision:country", so a late, older update never overwrites a newer one and a country move
knows which set to leave) and ``lb:built`` (set once the sets were rebuilt from SQL; without it
the readers answer from SQL).
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis

from core.redis import get_redis, rkey
from ranking.elo import TIER_FLOORS_ASCENDING

logger = logging.getLogger(__name__)

_MASK = (1 << 128) - 1
TOMBSTONE_REVISION = 2**53  # removal of a deleted rating: no later update may resurrect it

_UPSERT = """
local cur = redis.call('HGET', KEYS[1], ARGV[2])
local rev = tonumber(ARGV[4])
local oldcc = ''
if cur then
  local sep = string.find(cur, ':', 1, true)
  if tonumber(string.sub(cur, 1, sep - 1)) > rev then return 0 end
  oldcc = string.sub(cur, sep + 1)
end
local cc = ARGV[5]
if oldcc ~= '' and oldcc ~= cc then redis.call('ZREM', ARGV[1] .. oldcc, ARGV[2]) end
if ARGV[6] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  if cc ~= '' then redis.call('ZADD', ARGV[1] .. cc, ARGV[3], ARGV[2]) end
else
  redis.call('ZREM', KEYS[2], ARGV[2])
  if cc ~= '' then redis.call('ZREM', ARGV[1] .. cc, ARGV[2]) end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[4] .. ':' .. cc)
return 1
"""

# KEYS: board, built marker. ARGV: member, radius, the tier floors in ascending order.
# Returns {built, rank (-1 if absent), size, members in higher tiers, member1, score1, ...}:
# one atomic snapshot, so the rank, the tier rank and the window always agree.
_POSITION = """
if redis.call('EXISTS', KEYS[2]) == 0 then return {0, -1, 0, 0} end
local size = redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then return {1, -1, size, 0} end
local score = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
local higher = 0
for i = 3, #ARGV do
  local floor = tonumber(ARGV[i])
  if floor > score then
    higher = redis.call('ZCOUNT', KEYS[1], floor, '+inf')
    break
  end
end
local r = tonumber(ARGV[2])
local lo = rank - r
if lo < 0 then lo = 0 end
local out = {1, rank, size, higher}
local rows = redis.call('ZREVRANGE', KEYS[1], lo, rank + r, 'WITHSCORES')
for i = 1, #rows do out[#out + 1] = rows[i] end
return out
"""


class NotBuilt(Exception):
    """The sets have not been built from SQL yet (or Redis lost them)."""


def encode_member(user_id) -> str:
    return format(~uuid.UUID(str(user_id)).int & _MASK, "032x")


def decode_member(member: str) -> uuid.UUID:
    return uuid.UUID(int=~int(member, 16) & _MASK)


def board_key(country: str | None = None) -> str:
    return rkey("lb", "country", country) if country else rkey("lb", "global")


def _meta_key() -> str:
    return rkey("lb", "meta")


def version_key() -> str:
    """Incremented on every write to the sets (and by ``version_bump``): cached board pages
    (``ranking.board_pages``) are re-rendered when it moves."""
    return rkey("lb", "version")


def version_bump() -> None:
    """What a board page shows changed outside the sets (a display name, an avatar, privacy)."""
    client = get_redis()
    if client is None:
        return
    try:
        client.incr(version_key())
    except redis.RedisError:
        logger.warning("Leaderboard version bump failed; pages show it after the next board write")


def built_key() -> str:
    return rkey("lb", "built")


@dataclass(frozen=True)
class IndexEntry:
    """What the index must hold for one player."""

    user_id: uuid.UUID
    elo: int
    revision: int
    country: str
    listed: bool


def apply(entries: Iterable[IndexEntry]) -> None:
    """Write entries (after commit); an older revision than the stored one is ignored.
    Redis errors are logged: the sets are derived and ``rebuild_leaderboards`` restores them."""
    client = get_redis()
    if client is None:
        return
    try:
        script = client.register_script(_UPSERT)
        pipe = client.pipeline(transaction=False)
        for e in entries:
            script(
                keys=[_meta_key(), board_key()],
                args=[
                    rkey("lb", "country", ""),
                    encode_member(e.user_id),
                    e.elo,
                    e.revision,
                    e.country,
                    "1" if e.listed else "0",
                ],
                client=pipe,
            )
        pipe.incr(version_key())
        pipe.execute()
    except Exception:
        logger.warning("Leaderboard update failed; rebuild_leaderboards restores it", exc_info=True)


def remove_deleted(user_id) -> None:
    apply([IndexEntry(uuid.UUID(str(user_id)), 0, TOMBSTONE_REVISION, "", False)])


# --- reads (raise redis errors / NotBuilt; the selectors fall back to SQL) ----------------------


def client_or_none():
    return get_redis()


def page(client, country: str | None, offset: int, limit: int) -> tuple[int, list[tuple]]:
    """(board size, [(rank, user_id, elo)]) for ranks offset+1 … offset+limit."""
    pipe = client.pipeline(transaction=False)
    pipe.exists(built_key())
    pipe.zcard(board_key(country))
    if limit > 0:
        pipe.zrevrange(board_key(country), offset, offset + limit - 1, withscores=True)
    built, size, *rest = pipe.execute()
    if not built:
        raise NotBuilt
    rows = rest[0] if rest else []
    return size, [
        (offset + i + 1, decode_member(m), int(score)) for i, (m, score) in enumerate(rows)
    ]


@dataclass(frozen=True)
class Position:
    """A player's place on a board: ``rank`` (None when not on it), the board ``size``,
    ``higher_tiers`` (players in tiers above the player's: ``tier_rank`` = rank - that) and
    ``rows`` [(rank, user_id, elo)] of the window around the player, the player included."""

    rank: int | None
    size: int
    higher_tiers: int = 0
    rows: list = field(default_factory=list)

    @property
    def tier_rank(self) -> int | None:
        return None if self.rank is None else self.rank - self.higher_tiers


def position(client, country: str | None, user_id, radius: int) -> Position:
    """The player's ``Position`` with up to ``radius`` players each side, in one round trip."""
    script = client.register_script(_POSITION)
    built, rank, size, higher, *flat = script(
        keys=[board_key(country), built_key()],
        args=[encode_member(user_id), radius, *TIER_FLOORS_ASCENDING],
    )
    if not built:
        raise NotBuilt
    if rank < 0:
        return Position(None, size)
    first = max(0, rank - radius)
    rows = [
        (first + i + 1, decode_member(flat[2 * i]), int(float(flat[2 * i + 1])))
        for i in range(len(flat) // 2)
    ]
    return Position(rank + 1, size, higher, rows)


def status(client, boards: list[str]) -> tuple[bool, dict[str, int]]:
    """(built, members of each board: "global" or a country code) in one round trip."""
    pipe = client.pipeline(transaction=False)
    pipe.exists(built_key())
    for board in boards:
        pipe.zcard(board_key(None if board == "global" else board))
    built, *sizes = pipe.execute()
    return bool(built), dict(zip(boards, sizes, strict=True))


# --- rebuild ---------------------------------------------------------------------------------


def _bulk_client():
    """A client for the rebuild's large pipelines: the shared one fails after one second."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=5, socket_timeout=120, decode_responses=True
    )


def rebuild(rows: Iterable[tuple], *, progress=None, batch: int = 10_000) -> int:
    """Recreate every set from ``rows`` of (user_id, elo, revision, country) for listed players
    into temporary keys, then swap them in at once. Returns the number of players written."""
    client = _bulk_client()
    if client is None:
        return 0
    suffix = "rebuild"
    tmp_global, tmp_meta = rkey("lb", suffix, "global"), rkey("lb", suffix, "meta")
    countries: set[str] = set()
    client.delete(tmp_global, tmp_meta)
    for key in client.scan_iter(match=rkey("lb", suffix, "country", "*"), count=1000):
        client.delete(key)
    written = 0
    pipe = client.pipeline(transaction=False)
    chunk_global: dict[str, int] = {}
    chunk_meta: dict[str, str] = {}
    chunk_country: dict[str, dict[str, int]] = {}

    def flush():
        if chunk_global:
            pipe.zadd(tmp_global, chunk_global)
            pipe.hset(tmp_meta, mapping=chunk_meta)
            for cc, members in chunk_country.items():
                pipe.zadd(rkey("lb", suffix, "country", cc), members)
            pipe.execute()
        chunk_global.clear()
        chunk_meta.clear()
        chunk_country.clear()

    for user_id, elo, revision, country in rows:
        member = encode_member(user_id)
        chunk_global[member] = elo
        chunk_meta[member] = f"{revision}:{country}"
        if country:
            countries.add(country)
            chunk_country.setdefault(country, {})[member] = elo
        written += 1
        if progress is not None:
            progress.update(1)
        if len(chunk_global) >= batch:
            flush()
    flush()

    old_countries = set(client.scan_iter(match=rkey("lb", "country", "*"), count=1000)) - {
        board_key(cc) for cc in countries
    }
    # RENAME onto an existing key frees the old value synchronously (seconds for a million
    # members), so the old sets are first renamed aside and freed in the background (UNLINK).
    moves = [(tmp_global, board_key()), (tmp_meta, _meta_key())] if written else []
    moves += [(rkey("lb", suffix, "country", cc), board_key(cc)) for cc in countries]
    live = [dst for _, dst in moves] + [board_key(), _meta_key(), *old_countries]
    existing = [k for k, there in zip(live, _exists_each(client, live), strict=True) if there]
    trash = {k: rkey("lb", "trash", k) for k in dict.fromkeys(existing)}
    if trash:
        client.unlink(*trash.values())  # leftovers of an interrupted rebuild
    swap = client.pipeline(transaction=True)
    for key, aside in trash.items():
        swap.rename(key, aside)
    for src, dst in moves:
        swap.rename(src, dst)
    swap.set(built_key(), uuid.uuid4().hex)  # unique per build: keys cached board pages
    swap.incr(version_key())
    swap.execute()
    if trash:
        client.unlink(*trash.values())
    client.close()
    return written


def _exists_each(client, keys: list[str]) -> list[bool]:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.exists(key)
    return [bool(n) for n in pipe.execute()]


def mark_unbuilt() -> None:
    client = get_redis()
    if client is not None:
        client.delete(built_key())
        client.incr(version_key())
