"""Match XP for a batch of ``match.completed`` matches in bulk statements (``apply_match_xp``).

The same effects as ``xp_award`` and ``challenge_progress_record`` per player and match, in
delivery order (a player's second match starts from the XP, tier, level and challenge progress
their first left), but with a fixed number of statements per batch:

1. lock every player's season progress row, then profile row (each one ordered statement);
2. claim the awards: one ``INSERT … ON CONFLICT DO NOTHING`` of the match XP log rows and one of
   the challenge match records — the guards; a row already there is a replay, skipped;
3. create missing, then lock, the challenge progress rows the fresh awards touch (ordered);
4. apply the awards in memory in order: tiers, levels, challenge progress and completions (a
   completion awards the challenge's XP, whose log row is inserted with the others);
5. write: the logs' results, progress, profiles, challenge rows (one ``UPDATE … FROM (VALUES
   …)`` each), the challenge reward logs and every follow-up event (one INSERT each).

Lock order as everywhere in the battle pass: progress, profile, challenge rows.
"""

import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError
from django.utils import timezone

import events
from battlepass.models import (
    ChallengeMatchRecord,
    ChallengeMetric,
    ChallengeProgress,
    Season,
    SeasonChallenge,
    XPLog,
    XPSource,
)
from battlepass.xp import (
    calculate_match_xp,
    progress_lock_many,
    season_reward_tiers,
    tier_reward_events,
)
from core.bulk import rows_insert_ignoring_conflicts, rows_update
from profiles.services import ProfilesXP

_RESULT_FIELDS = ["old_tier", "new_tier", "current_xp", "old_level", "new_level", "total_xp"]


@dataclass
class _Batch:
    season: Season | None
    challenges: list[SeasonChallenge]
    progress: dict
    profiles: ProfilesXP
    rows: dict = field(default_factory=dict)  # (user id, challenge id) -> ChallengeProgress
    logs: list = field(default_factory=list)  # match XP logs written by this batch
    reward_logs: list = field(default_factory=list)  # challenge reward logs to insert
    touched: set = field(default_factory=set)  # users whose season progress changed
    advanced: dict = field(default_factory=dict)  # challenge rows changed, by key
    events: list = field(default_factory=list)  # (event type, data) in order
    tiers: list | None = None
    now: object = field(default_factory=timezone.now)


def _sides(data: dict):
    """(user id, won, kills, streak) of each player, in user-id order."""
    for side in sorted(("player1", "player2"), key=lambda s: uuid.UUID(data[f"{s}_id"])):
        player_id = data[f"{side}_id"]
        won = None if data["winner_id"] is None else data["winner_id"] == player_id
        yield uuid.UUID(player_id), won, data[f"{side}_kills"], data[f"{side}_streak"]


def _match_deltas(won, kills) -> dict[str, int]:
    deltas = {ChallengeMetric.MATCHES_PLAYED: 1, ChallengeMetric.WINS: 1 if won else 0}
    deltas[ChallengeMetric.KILLS] = max(0, kills)
    return {metric: d for metric, d in deltas.items() if d > 0}


def match_xp_apply(matches: list[dict], *, season: Season | None, challenges: list) -> None:
    """Apply the matches' XP and challenge progress, in order, in the caller's transaction."""
    user_ids = sorted({uid for data in matches for uid, *_ in _sides(data)})
    progress = progress_lock_many(user_ids=user_ids, season=season) if season else {}
    batch = _Batch(season, challenges, progress, ProfilesXP(user_ids))
    fresh_logs = _claim_logs(matches, season)
    fresh_records = _claim_records(matches, season) if season and challenges else set()
    _lock_challenge_rows(batch, matches, fresh_logs, fresh_records)
    for data in matches:
        match_id = data["match_id"]
        for user_id, won, kills, _ in _sides(data):
            log = fresh_logs.pop((user_id, match_id), None)  # popped: a match twice counts once
            if log is not None:
                _award(batch, log)
                batch.logs.append(log)
            if (user_id, match_id) in fresh_records:
                fresh_records.discard((user_id, match_id))
                _advance(batch, user_id, _match_deltas(won, kills), match_id)
    _write(batch)


def _claim_logs(matches: list[dict], season) -> dict:
    """Insert the match XP log rows (results filled in later); the rows that went in, by
    (user id, match id). A (user, match) logged before is a replay: no row, no award."""
    candidates = {}
    for data in matches:
        for user_id, won, kills, streak in _sides(data):
            key = (user_id, data["match_id"])
            if key not in candidates:  # the same match twice in one batch counts once
                amount = calculate_match_xp(
                    won=won, kills=kills, streak=streak, duration_seconds=data["duration_seconds"]
                )
                candidates[key] = XPLog(
                    user_id=user_id,
                    season=season,
                    amount=amount,
                    source=XPSource.MATCH,
                    match_id=data["match_id"],
                )
    inserted = rows_insert_ignoring_conflicts(list(candidates.values()), ["id", "user", "match_id"])
    fresh = {}
    for pk, user_id, match_id in inserted:
        log = candidates[(user_id, match_id)]
        log.pk = pk
        fresh[(user_id, match_id)] = log
    return fresh


def _claim_records(matches: list[dict], season) -> set:
    """Insert the challenge match records; the (user id, match id) pairs new now."""
    records = {
        (uid, data["match_id"]): ChallengeMatchRecord(
            user_id=uid, season=season, match_id=data["match_id"]
        )
        for data in matches
        for uid, *_ in _sides(data)
    }
    inserted = rows_insert_ignoring_conflicts(list(records.values()), ["user", "match_id"])
    return set(inserted)


def _lock_challenge_rows(batch: _Batch, matches, fresh_logs, fresh_records) -> None:
    """Create missing, then lock in (user, challenge) order, the challenge rows the fresh
    awards will advance."""
    if batch.season is None or not batch.challenges:
        return
    metrics_by_user: dict = {}
    for data in matches:
        for user_id, won, kills, _ in _sides(data):
            wanted = metrics_by_user.setdefault(user_id, set())
            if (user_id, data["match_id"]) in fresh_logs:
                wanted.add(ChallengeMetric.XP_EARNED)
            if (user_id, data["match_id"]) in fresh_records:
                wanted.update(_match_deltas(won, kills))
    keys = sorted(
        (uid, c.pk)
        for uid, wanted in metrics_by_user.items()
        for c in batch.challenges
        if c.metric in wanted
    )
    if not keys:
        return
    user_ids = sorted({uid for uid, _ in keys})
    challenge_ids = sorted({cid for _, cid in keys})
    qs = ChallengeProgress.objects.filter(user_id__in=user_ids, challenge_id__in=challenge_ids)
    existing = set(qs.values_list("user_id", "challenge_id"))
    missing = [
        ChallengeProgress(user_id=u, challenge_id=c) for u, c in keys if (u, c) not in existing
    ]
    if missing:
        ChallengeProgress.objects.bulk_create(missing, ignore_conflicts=True)
    locked = qs.select_for_update().order_by("user_id", "challenge_id")
    batch.rows = {(row.user_id, row.challenge_id): row for row in locked}


def _award(batch: _Batch, log: XPLog) -> None:
    """One award in memory: season progress and tier, profile XP and level, follow-up events,
    ``xp_earned`` challenges (except for challenge rewards)."""
    season, user_id = batch.season, log.user_id
    if season is not None:
        progress = batch.progress[user_id]
        log.old_tier = progress.current_tier
        progress.current_xp += log.amount
        progress.current_tier = season.tier_for_xp(progress.current_xp, progress.purchased_tiers)
        log.new_tier, log.current_xp = progress.current_tier, progress.current_xp
        batch.touched.add(user_id)
    change = batch.profiles.add(user_id, log.amount)
    log.old_level, log.new_level, log.total_xp = change.old_level, change.new_level, change.total_xp
    if season is not None and log.new_tier > log.old_tier:
        if batch.tiers is None:
            batch.tiers = list(season_reward_tiers(season))
        batch.events += tier_reward_events(
            batch.tiers,
            user_id=user_id,
            season_id=season.pk,
            old_tier=log.old_tier,
            new_tier=log.new_tier,
        )
    if change.leveled_up:
        batch.events.append(
            (
                "player.levelup",
                {
                    "user_id": str(user_id),
                    "old_level": change.old_level,
                    "new_level": change.new_level,
                    "total_xp": change.total_xp,
                },
            )
        )
    if season is not None and log.source != XPSource.SEASON_CHALLENGE:
        _advance(batch, user_id, {ChallengeMetric.XP_EARNED: log.amount}, log.match_id)


def _advance(batch: _Batch, user_id, deltas: dict[str, int], match_id) -> None:
    """Add ``deltas`` to the user's challenge rows; a row reaching its target completes once,
    awarding the challenge's XP."""
    completed = []
    for challenge in sorted(batch.challenges, key=lambda c: c.pk):
        delta = deltas.get(challenge.metric, 0)
        if delta <= 0:
            continue
        row = batch.rows[(user_id, challenge.pk)]
        row.progress += delta
        row.updated_at = batch.now
        batch.advanced[(user_id, challenge.pk)] = row
        if row.completed_at is None and row.progress >= challenge.target:
            row.completed_at = batch.now
            completed.append(challenge)
    for challenge in completed:
        reward = XPLog(
            user_id=user_id,
            season=batch.season,
            amount=challenge.xp_reward,
            source=XPSource.SEASON_CHALLENGE,
            match_id=match_id,
            challenge_id=challenge.pk,
        )
        _award(batch, reward)
        batch.reward_logs.append(reward)
        batch.events.append(
            (
                "battlepass.challenge_completed",
                {
                    "user_id": str(user_id),
                    "season_id": str(batch.season.pk),
                    "challenge_id": str(challenge.pk),
                    "xp_reward": challenge.xp_reward,
                },
            )
        )


def _write(batch: _Batch) -> None:
    rows_update(batch.logs, _RESULT_FIELDS)
    if batch.reward_logs:
        # a challenge completes once (its row is locked, completed_at set once), so its reward
        # log cannot exist yet; if it does, the batch rolls back rather than award twice
        inserted = rows_insert_ignoring_conflicts(batch.reward_logs, ["id"])
        if len(inserted) != len(batch.reward_logs):
            raise IntegrityError("A challenge reward's XP log row exists already.")
    changed = [batch.progress[uid] for uid in sorted(batch.touched)]
    for progress in changed:
        progress.updated_at = batch.now
    rows_update(changed, ["current_xp", "current_tier", "updated_at"])
    batch.profiles.save()
    rows_update(
        [batch.advanced[key] for key in sorted(batch.advanced)],
        ["progress", "completed_at", "updated_at"],
    )
    events.publish_many(batch.events)
