"""Set-based grants of a season's end, one chunk of players per call (in the caller's
transaction, beside the run's progress marker): rank rewards and battle-pass rewards reached but
never claimed.

Per chunk: the grant rows (``SeasonRankReward`` / ``RewardClaim``) in one ``INSERT … ON CONFLICT
DO NOTHING RETURNING`` — their unique constraints make every reward once, whatever ran before —
then, for the rows that went in, the wallets locked in one statement, the cosmetics in one
inventory insert, the owned ones converted to coins (``duplicate_cosmetic_coins``, as a claim
does), and every coin credit in one ledger statement (``cosmetics.ledger``, the wallet's own
batch). XP rewards go to the profile through ``xp_award``, one call each.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, CharField, Value, When
from django.utils import timezone

from battlepass.models import (
    BattlePassTier,
    RewardClaim,
    RewardType,
    Season,
    SeasonRankReward,
    Track,
    XPSource,
)
from battlepass.xp import insert_ignoring_conflicts

REASON_RANK_REWARD = "season_rank_reward"


@dataclass(frozen=True)
class _Row:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    value: str
    cosmetic: object | None


def _insert_new(model, rows: list[dict]) -> set:
    """Insert ``rows`` (field name → value, ``id`` given) ignoring unique conflicts; the ids
    of the rows that went in. PostgreSQL: one ``INSERT … SELECT FROM unnest``."""
    if not rows:
        return set()
    if connection.vendor != "postgresql":
        return {r["id"] for r in rows if insert_ignoring_conflicts(model(**r))}
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(key) for key in rows[0]]
    arrays = [
        [field.get_db_prep_save(r[key], connection) for r in rows]
        for key, field in zip(rows[0], fields, strict=True)
    ]
    names = ", ".join(quote(f.column) for f in fields)
    casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT * FROM unnest({casts}) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}",
            arrays,
        )
        return {row[0] for row in cursor.fetchall()}


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

    if not rows:
        return {}
    wallets_lock(r.user_id for r in rows)  # wallets before cosmetics, as everywhere
    cosmetic_rows = [r for r in rows if r.kind == RewardType.COSMETIC]
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


def rank_rewards_grant(*, season: Season, standings: list[dict], by_tier: dict) -> int:
    """Grant each player of ``standings`` (``user_id``, ``final_tier``) the rank rewards of
    their final tier, once per (season, player, position). Returns the rewards granted now."""
    from cosmetics.models import Cosmetic

    now = timezone.now()
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
    new = _insert_new(SeasonRankReward, candidates)
    slugs = {c["reward_value"] for c in candidates if c["reward_type"] == RewardType.COSMETIC}
    cosmetics = {c.slug: c for c in Cosmetic.objects.filter(slug__in=slugs)} if slugs else {}
    rows = [
        _Row(
            c["id"],
            c["user_id"],
            c["reward_type"],
            c["reward_value"],
            cosmetics.get(c["reward_value"]) if c["reward_type"] == RewardType.COSMETIC else None,
        )
        for c in candidates
        if c["id"] in new
    ]
    converted = _apply(
        rows,
        coins_reason=REASON_RANK_REWARD,
        duplicate_reason=REASON_RANK_REWARD,
        prefix=REASON_RANK_REWARD,
        source="season_rank",
    )
    _record_conversions(SeasonRankReward, converted)
    return len(rows)


def unclaimed_grant(*, season: Season, progress: list[tuple]) -> int:
    """Grant every battle-pass reward the players of ``progress`` (``(user_id, current_tier,
    is_premium)``) reached and have not claimed, exactly as a claim would (the claim row under
    its unique constraint, ``battlepass_reward`` / ``battlepass_duplicate`` ledger reasons, an
    xp reward to the profile only). Returns the rewards granted now."""
    tiers = sorted(
        BattlePassTier.objects.filter(season=season).select_related(
            "free_reward_cosmetic", "premium_reward_cosmetic"
        ),
        key=lambda t: t.tier_number,
    )
    now = timezone.now()
    candidates, cosmetic_of = [], {}
    for user_id, current_tier, is_premium in progress:
        for tier in tiers:
            if tier.tier_number > current_tier:
                break
            for track in Track.values:
                reward = tier.reward(track)
                if reward is None or (track == Track.PREMIUM and not is_premium):
                    continue
                kind, value, cosmetic = reward
                claim_id = uuid.uuid4()
                cosmetic_of[claim_id] = cosmetic
                candidates.append(
                    {
                        "id": claim_id,
                        "user_id": user_id,
                        "season_id": season.pk,
                        "tier": tier.tier_number,
                        "track": track,
                        "reward_type": kind,
                        "reward_value": value,
                        "granted_type": kind,
                        "granted_value": value,
                        "at_season_end": True,
                        "created_at": now,
                    }
                )
    new = _insert_new(RewardClaim, candidates)
    rows = [
        _Row(c["id"], c["user_id"], c["reward_type"], c["reward_value"], cosmetic_of[c["id"]])
        for c in candidates
        if c["id"] in new
    ]
    converted = _apply(
        rows,
        coins_reason="battlepass_reward",
        duplicate_reason="battlepass_duplicate",
        prefix="battlepass_claim",
        source="battlepass",
    )
    _record_conversions(RewardClaim, converted)
    return len(rows)
