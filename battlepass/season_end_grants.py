"""Set-based grants of a season's end, one chunk of players per call (in the caller's
transaction, beside the run's progress marker): rank rewards and battle-pass rewards reached but
never claimed.

Per chunk, on PostgreSQL: the grant rows (``SeasonRankReward`` / ``RewardClaim``) made from the
chunk in one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` — their unique constraints
make every reward once, whatever ran before — which also stages the coin credits of the rows
that went in (``cosmetics.ledger.stage_table``); the other rows come back: their wallets locked
in one statement, the cosmetics in one inventory insert, the owned ones converted to coins
(``duplicate_cosmetic_coins``, as a claim does), xp to the profile through ``xp_award`` (one call
each); then every credit in one ledger statement (``wallet_credit_many``, the wallet's own
batch). Elsewhere (SQLite) the same rows are inserted and granted one at a time.
"""

import json
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, CharField, Value, When
from django.utils import timezone

from battlepass.models import (
    BattlePassTier,
    PlayerSeasonProgress,
    RewardClaim,
    RewardType,
    Season,
    SeasonRankReward,
    Track,
    XPSource,
)
from battlepass.xp import insert_ignoring_conflicts

REASON_RANK_REWARD = "season_rank_reward"
REASON_CLAIM = "battlepass_reward"  # the claim's reasons and reference, as battlepass.services
CLAIM_PREFIX = "battlepass_claim"


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    value: str
    cosmetic: object | None


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _insert_new(model, rows: list[dict]) -> set:
    """Insert ``rows`` (field name → value, ``id`` given) ignoring unique conflicts; the ids
    of the rows that went in (the portable path, off PostgreSQL)."""
    return {r["id"] for r in rows if insert_ignoring_conflicts(model(**r))}


def _apply(rows: list[_Row], *, coins_reason, duplicate_reason, prefix, source) -> dict:
    """Grant ``rows`` (in order); returns {row id: coins} for cosmetics converted to coins."""
    from battlepass.services import duplicate_cosmetic_coins, xp_award
    from cosmetics.ledger import (
        Credit,
        Grant,
        inventory_grant_many,
        wallet_credit_many,
        wallets_lock,
    )

    cosmetic_rows = [r for r in rows if r.kind == RewardType.COSMETIC]
    if cosmetic_rows:  # every wallet of the chunk before any cosmetic row, as everywhere
        wallets_lock((r.user_id for r in rows), staged=_postgres())
    given = dict(
        zip(
            (r.id for r in cosmetic_rows),
            inventory_grant_many([Grant(r.user_id, r.cosmetic.pk, source) for r in cosmetic_rows]),
            strict=True,
        )
    )
    credits, converted = [], {}
    for r in rows:
        reference = f"{prefix}:{r.id}"
        if r.kind == RewardType.COSMETIC:
            if not given[r.id]:
                converted[r.id] = duplicate_cosmetic_coins(r.cosmetic)
                credits.append(
                    Credit(r.user_id, "coins", converted[r.id], duplicate_reason, reference)
                )
        elif r.kind == RewardType.COINS:
            credits.append(Credit(r.user_id, "coins", int(r.value), coins_reason, reference))
        else:
            xp_award(
                user=get_user_model()(pk=r.user_id),
                amount=int(r.value),
                source=XPSource.BATTLEPASS_REWARD,
                reference=reference,
                season=None,
            )
    wallet_credit_many(credits)
    return converted


def _record_conversions(model, converted: dict) -> None:
    if converted:
        model.objects.filter(pk__in=list(converted)).update(
            granted_type=RewardType.COINS,
            granted_value=Case(
                *(When(pk=pk, then=Value(str(coins))) for pk, coins in converted.items()),
                output_field=CharField(),
            ),
        )


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rank_rewards_sql(season, first, last, by_tier, now) -> list[tuple]:
    """PostgreSQL: the chunk's rank-reward rows inserted in one statement; the coin rewards
    staged as credits in it; the other rewards returned ``(id, user_id, type, value)``."""
    from cosmetics.ledger import stage_table
    from ranking.models import SeasonStanding

    rewards = [
        {"tier": tier, "position": i, "type": r["type"], "value": str(r["value"])}
        for tier, items in by_tier.items()
        for i, r in enumerate(items)
    ]
    return _fetch(
        f"""
        WITH s AS (
            SELECT user_id, final_tier FROM {SeasonStanding._meta.db_table}
            WHERE season_number = %s AND user_id BETWEEN %s AND %s
        ), r AS (
            SELECT * FROM jsonb_to_recordset(%s::jsonb)
            AS r(tier text, position int, type text, value text)
        ), ins AS (
            INSERT INTO {SeasonRankReward._meta.db_table} (id, season_id, user_id, rank_tier,
                position, reward_type, reward_value, granted_type, granted_value, created_at)
            SELECT gen_random_uuid(), %s, s.user_id, s.final_tier, r.position, r.type, r.value,
                   r.type, r.value, %s
            FROM s JOIN r ON r.tier = s.final_tier
            ON CONFLICT DO NOTHING
            RETURNING id, user_id, position, reward_type, reward_value
        ), staged AS (
            INSERT INTO {stage_table()} (user_id, currency, amount, reason, reference)
            SELECT user_id, 'coins', reward_value::bigint, %s, %s || ':' || id FROM ins
            WHERE reward_type = 'coins' ORDER BY user_id, position
        )
        SELECT id, user_id, reward_type, reward_value FROM ins
        WHERE reward_type <> 'coins' ORDER BY user_id, position
        """,  # noqa: S608 - our table names
        [
            season.season_number,
            first,
            last,
            json.dumps(rewards),
            season.pk,
            now,
            REASON_RANK_REWARD,
            REASON_RANK_REWARD,
        ],
    )


def rank_rewards_grant(*, season: Season, standings: list[dict], by_tier: dict) -> None:
    """Grant each player of ``standings`` (``user_id``, ``final_tier``; user id order) the rank
    rewards of their final tier, once per (season, player, position)."""
    from cosmetics.models import Cosmetic

    if not standings:
        return
    now = timezone.now()
    slugs = {
        str(r["value"])
        for items in by_tier.values()
        for r in items
        if r["type"] == RewardType.COSMETIC
    }
    cosmetics = {c.slug: c for c in Cosmetic.objects.filter(slug__in=slugs)} if slugs else {}
    if _postgres():
        first, last = standings[0]["user_id"], standings[-1]["user_id"]
        new = _rank_rewards_sql(season, first, last, by_tier, now)
    else:
        candidates = [
            {
                "id": uuid.uuid4(),
                "season_id": season.pk,
                "user_id": s["user_id"],
                "rank_tier": s["final_tier"],
                "position": position,
                "reward_type": reward["type"],
                "reward_value": str(reward["value"]),
                "granted_type": reward["type"],
                "granted_value": str(reward["value"]),
                "created_at": now,
            }
            for s in standings
            for position, reward in enumerate(by_tier.get(s["final_tier"], []))
        ]
        inserted = _insert_new(SeasonRankReward, candidates)
        new = [
            (c["id"], c["user_id"], c["reward_type"], c["reward_value"])
            for c in candidates
            if c["id"] in inserted
        ]
    rows = [_Row(i, u, kind, value, cosmetics.get(value)) for i, u, kind, value in new]
    converted = _apply(
        rows,
        coins_reason=REASON_RANK_REWARD,
        duplicate_reason=REASON_RANK_REWARD,
        prefix=REASON_RANK_REWARD,
        source="season_rank",
    )
    _record_conversions(SeasonRankReward, converted)


def _unclaimed_sql(season, progress, now) -> list[tuple]:
    """PostgreSQL: the chunk's claim rows of every reward reached and not claimed, in one
    statement; the coin rewards staged as credits in it; the others returned
    ``(id, user_id, tier, track, type, value)``."""
    from cosmetics.ledger import stage_table

    users = "{" + ",".join(str(p[0]) for p in progress) + "}"
    return _fetch(
        f"""
        WITH p AS (
            SELECT user_id, current_tier, is_premium FROM {PlayerSeasonProgress._meta.db_table}
            WHERE season_id = %s AND user_id = ANY(%s::uuid[])
        ), c AS (
            SELECT p.user_id, t.tier_number, k.track,
                   CASE k.track WHEN 'free' THEN t.free_reward_type
                        ELSE t.premium_reward_type END AS kind,
                   CASE k.track WHEN 'free' THEN t.free_reward_value
                        ELSE t.premium_reward_value END AS value
            FROM p JOIN {BattlePassTier._meta.db_table} t
              ON t.season_id = %s AND t.tier_number <= p.current_tier
            CROSS JOIN (VALUES ('free'), ('premium')) AS k(track)
            WHERE (k.track = 'free' AND t.free_reward_type <> '')
               OR (k.track = 'premium' AND t.premium_reward_type <> '' AND p.is_premium)
        ), ins AS (
            INSERT INTO {RewardClaim._meta.db_table} (id, user_id, season_id, tier, track,
                reward_type, reward_value, granted_type, granted_value, at_season_end,
                created_at)
            SELECT gen_random_uuid(), user_id, %s, tier_number, track, kind, value, kind, value,
                   true, %s
            FROM c
            ON CONFLICT DO NOTHING
            RETURNING id, user_id, tier, track, reward_type, reward_value
        ), staged AS (
            INSERT INTO {stage_table()} (user_id, currency, amount, reason, reference)
            SELECT user_id, 'coins', reward_value::bigint, %s, %s || ':' || id FROM ins
            WHERE reward_type = 'coins' ORDER BY user_id, tier, track
        )
        SELECT id, user_id, tier, track, reward_type, reward_value FROM ins
        WHERE reward_type <> 'coins' ORDER BY user_id, tier, track
        """,  # noqa: S608 - our table names
        [season.pk, users, season.pk, season.pk, now, REASON_CLAIM, CLAIM_PREFIX],
    )


def unclaimed_grant(*, season: Season, progress: list[tuple]) -> None:
    """Grant every battle-pass reward the players of ``progress`` (``(user_id, current_tier,
    is_premium)``) reached and have not claimed, exactly as a claim would (the claim row under
    its unique constraint, ``battlepass_reward`` / ``battlepass_duplicate`` ledger reasons, an
    xp reward to the profile only)."""
    if not progress:
        return
    tiers = {
        t.tier_number: t
        for t in BattlePassTier.objects.filter(season=season).select_related(
            "free_reward_cosmetic", "premium_reward_cosmetic"
        )
    }
    now = timezone.now()
    if _postgres():
        new = _unclaimed_sql(season, progress, now)
    else:
        candidates = [
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "season_id": season.pk,
                "tier": number,
                "track": track,
                "reward_type": tiers[number].reward(track)[0],
                "reward_value": tiers[number].reward(track)[1],
                "granted_type": tiers[number].reward(track)[0],
                "granted_value": tiers[number].reward(track)[1],
                "at_season_end": True,
                "created_at": now,
            }
            for user_id, current_tier, is_premium in progress
            for number in sorted(n for n in tiers if n <= current_tier)
            for track in Track.values
            if tiers[number].reward(track) is not None and (track == Track.FREE or is_premium)
        ]
        inserted = _insert_new(RewardClaim, candidates)
        new = [
            (c["id"], c["user_id"], c["tier"], c["track"], c["reward_type"], c["reward_value"])
            for c in candidates
            if c["id"] in inserted
        ]
    rows = [
        _Row(i, u, kind, value, tiers[tier].reward(track)[2])
        for i, u, tier, track, kind, value in new
    ]
    converted = _apply(
        rows,
        coins_reason=REASON_CLAIM,
        duplicate_reason="battlepass_duplicate",
        prefix=CLAIM_PREFIX,
        source="battlepass",
    )
    _record_conversions(RewardClaim, converted)
