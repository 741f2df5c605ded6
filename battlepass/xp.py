"""XP: the match formula and ``xp_award``, the one way XP enters the system (its batch form for
``match.completed``, ``battlepass.match_xp``, applies the same rules with bulk statements and
shares the tier rewards, ``tier_reward_events``, and the progress locks, ``progress_lock_many``).

Re-exported by ``battlepass.services``; other apps import it from there.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction

import events
from battlepass.models import BattlePassTier, PlayerSeasonProgress, Season, XPLog, XPSource
from battlepass.selectors import season_active_get

MATCH_XP_MIN = 50
MATCH_XP_MAX = 300


def calculate_match_xp(*, won: bool | None, kills: int, streak: int, duration_seconds: int) -> int:
    """Win 100, loss 50, draw (``won is None``) 75; +5 per kill, +10 per streak,
    +0.1 per second (floored); clamped to [50, 300]. Negative counts count as zero."""
    base = 75 if won is None else (100 if won else 50)
    xp = base + 5 * max(0, kills) + 10 * max(0, streak) + max(0, duration_seconds) // 10
    return max(MATCH_XP_MIN, min(MATCH_XP_MAX, xp))


@dataclass(frozen=True)
class XPAwardResult:
    """``awarded`` is False on a replay, which returns the first award's numbers unchanged.
    With no active season ``season_id`` is None and the tier fields and ``current_xp`` are 0."""

    awarded: bool
    amount: int
    season_id: str | None
    old_tier: int
    new_tier: int
    current_xp: int
    old_level: int
    new_level: int
    total_xp: int

    @classmethod
    def from_log(cls, log: XPLog, *, awarded: bool) -> "XPAwardResult":
        return cls(
            awarded=awarded,
            amount=log.amount,
            season_id=str(log.season_id) if log.season_id else None,
            old_tier=log.old_tier,
            new_tier=log.new_tier,
            current_xp=log.current_xp,
            old_level=log.old_level,
            new_level=log.new_level,
            total_xp=log.total_xp,
        )


ACTIVE_SEASON = object()  # ``season=`` default: look the active season up


def insert_ignoring_conflicts(obj) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING`` of a new model instance, without a savepoint: True (and
    the primary key set) when the row went in, False when a unique constraint already holds it
    (a concurrent insert of the same key is waited for, as with a plain INSERT)."""
    meta, ops = obj._meta, connection.ops
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if not (f is pk and f.db_returning)]
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT DO NOTHING RETURNING {ops.quote_name(pk.column)}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    setattr(obj, pk.attname, pk.to_python(row[0]))
    obj._state.adding, obj._state.db = False, connection.alias
    return True


def lock_progress(*, user, season: Season) -> PlayerSeasonProgress:
    """The (user, season) progress row, created on first touch, locked until the transaction ends."""
    qs = PlayerSeasonProgress.objects.select_for_update(of=("self",))
    progress = qs.filter(user=user, season=season).first()
    if progress is None:
        # created concurrently: the insert does nothing and the lock below waits for it
        insert_ignoring_conflicts(PlayerSeasonProgress(user=user, season=season))
        progress = qs.get(user=user, season=season)
    return progress


class SeasonNoLongerActive(Exception):
    """The season was ended after the caller looked it up: nothing written; run again (a
    redelivered match batch then finds the next season)."""


def season_share_lock(season: Season) -> None:
    """Share-lock ``season``'s row until the transaction ends and check it is still active.
    The season end's close updates that row, so it waits for every XP writer holding this lock
    to commit (the last unclaimed-rewards pass after it sees their progress), and a writer
    after the close finds the season inactive (``SeasonNoLongerActive``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT is_active FROM {Season._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [season.pk],
            )
            row = cursor.fetchone()
        active = bool(row and row[0])
    else:  # SQLite: one writer at a time already
        active = Season.objects.filter(pk=season.pk, is_active=True).exists()
    if not active:
        raise SeasonNoLongerActive(f"Season {season.season_number} is no longer active.")


def progress_lock_many(*, user_ids, season: Season) -> dict:
    """Lock the users' progress rows of ``season`` until the transaction ends and return them by
    user id: the season's row share-locked and checked active first (``season_share_lock``),
    missing rows created (one ``INSERT … ON CONFLICT DO NOTHING`` in user-id order), then all
    locked in one statement in user-id order, so batches sharing players never deadlock."""
    season_share_lock(season)
    ids = sorted(set(user_ids))
    existing = set(
        PlayerSeasonProgress.objects.filter(user_id__in=ids, season=season).values_list(
            "user_id", flat=True
        )
    )
    missing = [uid for uid in ids if uid not in existing]
    if missing:
        PlayerSeasonProgress.objects.bulk_create(
            [PlayerSeasonProgress(user_id=uid, season=season) for uid in missing],
            ignore_conflicts=True,
        )
    rows = (
        PlayerSeasonProgress.objects.select_for_update()
        .filter(user_id__in=ids, season=season)
        .order_by("user_id")
    )
    return {row.user_id: row for row in rows}


def _existing_log(*, user, source, match_id, challenge_id, reference) -> XPLog | None:
    qs = XPLog.objects.filter(user=user, source=source)
    if challenge_id is not None:
        return qs.filter(challenge_id=challenge_id).first()
    if match_id is not None:
        return qs.filter(match_id=match_id, challenge_id__isnull=True).first()
    if reference:
        return qs.filter(reference=reference).first()
    return None


def tier_reward_events(tiers, *, user_id, season_id, old_tier: int, new_tier: int) -> list:
    """``battlepass.reward_earned`` (event type, data) for each tier in ``tiers`` (in tier
    order, cosmetics selected) above ``old_tier`` up to ``new_tier`` with a reward."""
    found = []
    for tier in tiers:
        if not old_tier < tier.tier_number <= new_tier:
            continue
        reward = tier.reward("free") or tier.reward("premium")
        if reward is None:
            continue
        kind, value, _ = reward
        found.append(
            (
                "battlepass.reward_earned",
                {
                    "user_id": str(user_id),
                    "season_id": str(season_id),
                    "tier_reached": tier.tier_number,
                    "reward_type": kind,
                    "reward_value": value,
                },
            )
        )
    return found


def season_reward_tiers(season: Season):
    """The season's tiers in order, with their cosmetics (for ``tier_reward_events``)."""
    return (
        BattlePassTier.objects.filter(season=season)
        .select_related("free_reward_cosmetic", "premium_reward_cosmetic")
        .order_by("tier_number")
    )


def _publish_tier_rewards(*, user, season: Season, old_tier: int, new_tier: int) -> None:
    if new_tier <= old_tier:
        return
    tiers = season_reward_tiers(season).filter(tier_number__gt=old_tier, tier_number__lte=new_tier)
    for event_type, data in tier_reward_events(
        tiers, user_id=user.pk, season_id=season.pk, old_tier=old_tier, new_tier=new_tier
    ):
        events.publish(event_type, data)


def xp_award(
    *,
    user,
    amount: int,
    source: str,
    match_id: str | None = None,
    challenge_id=None,
    reference: str = "",
    season=ACTIVE_SEASON,
    challenges: list | None = None,
) -> XPAwardResult:
    """Add ``amount`` XP to the user's season progress (active season) and lifetime total_xp.

    Idempotent per (user, source, match_id), (user, source, challenge_id) or
    (user, source, reference): the XP log row is inserted first, under its unique constraint,
    so a replay — sequential or concurrent — is a no-op returning the first result. Locks the
    progress row, then the profile (``profiles.services.profile_xp_add``). Events are written to the
    outbox in this transaction: ``battlepass.reward_earned`` for each newly reached tier with a
    reward, ``player.levelup`` when the level rose. With no active season only the profile gets
    the XP. Season challenges measuring ``xp_earned`` advance with the award (challenge
    rewards excepted). Safe inside an outer transaction, where it takes no savepoint: a failure
    rolls the caller back. A caller applying several awards at once may pass the active
    ``season`` (None: none is active) and its ``challenges`` (``season_challenges``), looked
    up once.
    """
    from profiles.services import profile_xp_add

    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError("XP amounts are positive integers.")
    if source not in XPSource.values:
        raise ValueError(f"Unknown XP source {source!r}.")
    match_id = str(match_id) if match_id is not None else None
    reference = reference or ""

    with transaction.atomic(savepoint=False):
        if season is ACTIVE_SEASON:
            season = season_active_get()
        log = XPLog(
            user=user,
            season=season,
            amount=amount,
            source=source,
            match_id=match_id,
            challenge_id=challenge_id,
            reference=reference,
        )
        if not insert_ignoring_conflicts(log):
            existing = _existing_log(
                user=user,
                source=source,
                match_id=match_id,
                challenge_id=challenge_id,
                reference=reference,
            )
            if existing is None:  # a conflict on another key than the one this award is known by
                raise IntegrityError("An XP log row conflicts with this award.")
            return XPAwardResult.from_log(existing, awarded=False)

        if season is not None:
            progress = lock_progress(user=user, season=season)
            log.old_tier = progress.current_tier
            progress.current_xp += amount
            progress.current_tier = season.tier_for_xp(
                progress.current_xp, progress.purchased_tiers
            )
            progress.save(update_fields=["current_xp", "current_tier", "updated_at"])
            log.new_tier, log.current_xp = progress.current_tier, progress.current_xp

        change = profile_xp_add(user, amount)
        log.old_level, log.new_level = change.old_level, change.new_level
        log.total_xp = change.total_xp
        log.save(
            update_fields=[
                "old_tier",
                "new_tier",
                "current_xp",
                "old_level",
                "new_level",
                "total_xp",
            ]
        )

        if season is not None:
            _publish_tier_rewards(
                user=user, season=season, old_tier=log.old_tier, new_tier=log.new_tier
            )
        if change.new_level > change.old_level:
            events.publish(
                "player.levelup",
                {
                    "user_id": str(user.pk),
                    "old_level": change.old_level,
                    "new_level": change.new_level,
                    "total_xp": change.total_xp,
                },
            )
        if season is not None:
            from battlepass.challenges import challenges_record_xp

            challenges_record_xp(
                user=user,
                season=season,
                amount=amount,
                source=source,
                match_id=match_id,
                challenges=challenges,
            )
        return XPAwardResult.from_log(log, awarded=True)
