"""Ending a season, exactly once and resumably (``manage.py season_end``, the admin action and
the periodic job all call ``season_end_run``).

The run is a state machine kept in ``SeasonEnd`` (its existence: "ending"; ``finished_at``:
"ended"). Each step is one transaction: lock the ``SeasonEnd`` row, do one chunk of the current
phase, move the marker (``phase``, ``cursor`` = last user id done) and commit. A killed run
resumes at the last committed marker; two runners at once take turns on the row lock, so no
chunk is done twice. Phases, in order:

1. ``freeze``: the final standings in one ``INSERT … SELECT`` (ranking). Matches applied after
   it are not in them; they count for the live ratings (the next season).
2. ``rank_rewards``: each frozen player's rewards for their final tier (``rank_rewards``), one
   ``SeasonRankReward`` row per reward first (unique), then wallet (reason
   ``season_rank_reward``) / inventory (an owned cosmetic converted to coins) / profile XP,
   set-based per chunk (``battlepass.season_end_grants``, money through ``cosmetics.ledger``).
3. ``unclaimed``: every battle-pass reward reached and not claimed, as a claim grants it (the
   claim row first, under its unique constraint), set-based per chunk likewise.
4. ``reset``: ELO soft reset in SQL by user id ranges (ranking).
5. ``boards``: board sizes and Redis sets rebuilt.
6. ``close``: the season made inactive; the next season whose start_date has come activated.
   Its update of the season row waits for every match batch holding the row's share lock
   (``battlepass.xp.season_share_lock``); a batch after it finds the season inactive, fails,
   and is redelivered into the next season.
7. ``late_unclaimed``: players whose battle pass moved after phase 3 started (a match while the
   season was ending) get the rewards they reached since; the season is inactive by now, so
   no match batch moves it any more.
8. ``notify``: one ``season.ended`` event per frozen player (outbox, one COPY per chunk), with
   final place and rewards; notifications consumes it.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

import events
from battlepass.models import (
    BattlePassTier,
    PlayerSeasonProgress,
    RewardClaim,
    RewardType,
    Season,
    SeasonEnd,
    SeasonEndPhase,
    SeasonRankReward,
)
from battlepass.season_end_models import PHASE_ORDER
from battlepass.xp import insert_ignoring_conflicts
from core.errors import ValidationFailed
from ranking import season_end as ranking_end
from ranking.models import Tier

logger = logging.getLogger(__name__)


# --- validation and the plan ----------------------------------------------------------------


def season_end_problems(season: Season) -> list[str]:
    """Every reason the season cannot be ended as configured (all of them, not the first)."""
    from cosmetics.models import Cosmetic

    problems = []
    factor = getattr(settings, "SEASON_RESET_FACTOR", 0.5)
    if ranking_end.factor_problem(factor):
        problems.append(f"SEASON_RESET_FACTOR {ranking_end.factor_problem(factor)}")
    if season.tier_price is not None and season.tier_price < 0:
        problems.append(f"tier_price must not be negative (is {season.tier_price}).")
    entries = season.rank_rewards if isinstance(season.rank_rewards, list) else None
    if entries is None:
        return [*problems, "rank_rewards must be a list of {tier, rewards}."]
    slugs = set()
    for i, entry in enumerate(entries):
        where = f"rank_rewards[{i}]"
        if not isinstance(entry, dict) or entry.get("tier") not in Tier.values:
            problems.append(f"{where}.tier: unknown ranking tier {_get(entry, 'tier')!r}.")
        rewards = _get(entry, "rewards")
        if not isinstance(rewards, list):
            problems.append(f"{where}.rewards: must be a list.")
            continue
        for j, reward in enumerate(rewards):
            kind, value = _get(reward, "type"), _get(reward, "value")
            if kind == RewardType.COSMETIC and isinstance(value, str) and value:
                slugs.add((f"{where}.rewards[{j}].value", value))
            elif kind not in (RewardType.COINS, RewardType.XP) or not str(value).isdigit():
                problems.append(f"{where}.rewards[{j}]: not a valid reward {reward!r}.")
            elif int(value) <= 0:
                problems.append(f"{where}.rewards[{j}]: amount must be positive.")
    known = set(
        Cosmetic.objects.filter(slug__in={s for _, s in slugs}).values_list("slug", flat=True)
    )
    problems += [
        f"{where}: no cosmetic {slug!r}." for where, slug in sorted(slugs) if slug not in known
    ]
    return problems


def _get(entry, key):
    return entry.get(key) if isinstance(entry, dict) else None


def _rank_rewards_by_tier(season: Season) -> dict[str, list[dict]]:
    return {e["tier"]: list(e["rewards"]) for e in season.rank_rewards or []}


def season_end_plan(season: Season) -> dict:
    """What ending the season would do, from the live data (nothing written): players per
    final tier, the rank rewards each tier gets, and the unclaimed battle-pass rewards."""
    from ranking.models import PlayerRating

    per_tier = defaultdict(int)
    for tier, n in (
        PlayerRating.objects.filter(listed=True)
        .values_list("current_tier")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_tier[tier] = n
    rewards = _rank_rewards_by_tier(season)
    unclaimed_players, unclaimed = _unclaimed_counts(season)
    return {
        "season_number": season.season_number,
        "state": season.state,
        "players": sum(per_tier.values()),
        "tiers": [
            {"tier": tier, "players": per_tier.get(tier, 0), "rewards": rewards.get(tier, [])}
            for tier in Tier.values
        ],
        "unclaimed_players": unclaimed_players,
        "unclaimed_rewards": unclaimed,
        "reset_factor": ranking_end.reset_factor(),
    }


def _unclaimed_counts(season: Season) -> tuple[int, int]:
    from django.db import connection

    progress, tiers, claims = (
        PlayerSeasonProgress._meta.db_table,
        BattlePassTier._meta.db_table,
        RewardClaim._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COUNT(DISTINCT p.user_id), COUNT(*) FROM {progress} p
            JOIN {tiers} t ON t.season_id = p.season_id AND t.tier_number <= p.current_tier
            JOIN (SELECT 'free' AS track UNION ALL SELECT 'premium') k
              ON (k.track = 'free' AND t.free_reward_type <> '')
              OR (k.track = 'premium' AND t.premium_reward_type <> '' AND p.is_premium)
            WHERE p.season_id = %s AND NOT EXISTS (
                SELECT 1 FROM {claims} c WHERE c.user_id = p.user_id AND c.season_id = p.season_id
                AND c.tier = t.tier_number AND c.track = k.track)
            """,  # noqa: S608 - our table names
            [season.pk.hex if connection.vendor != "postgresql" else season.pk],
        )
        players, rewards = cursor.fetchone()
    return int(players), int(rewards)


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    phase: str
    done: int  # players handled in this step
    finished: bool  # the whole run is over


def season_end_start(*, season: Season) -> SeasonEnd:
    """Validate, then create the run (active → ending); an existing run is returned as is."""
    problems = season_end_problems(season)
    if problems:
        raise ValidationFailed(
            f"Season {season.season_number} cannot be ended: " + " ".join(problems),
            details={"season": problems},
        )
    insert_ignoring_conflicts(
        SeasonEnd(
            season=season,
            reset_factor=ranking_end.reset_factor(),
            phase_started_at=timezone.now(),
            counts={},
        )
    )
    return SeasonEnd.objects.get(season=season)


def season_end_step(*, season: Season, chunk_size: int) -> StepResult:
    """One chunk of the current phase in one transaction, with the marker moved in it."""
    with transaction.atomic():
        run = SeasonEnd.objects.select_for_update().get(season=season)
        if run.phase == SeasonEndPhase.DONE:
            return StepResult(run.phase, 0, True)
        phase = run.phase
        handled, cursor = PHASES[phase](run, season, chunk_size)
        run.counts[phase] = run.counts.get(phase, 0) + handled
        if cursor is None:  # phase complete
            run.phase = PHASE_ORDER[PHASE_ORDER.index(phase) + 1]
            run.cursor, run.phase_started_at = None, timezone.now()
            if run.phase == SeasonEndPhase.UNCLAIMED:
                run.unclaimed_started_at = run.phase_started_at
            if run.phase == SeasonEndPhase.DONE:
                ranking_end.standings_published(season_number=season.season_number)
                run.finished_at = timezone.now()
        else:
            run.cursor = cursor
        run.save()
        return StepResult(phase, handled, run.phase == SeasonEndPhase.DONE)


def season_end_run(
    *, season: Season, chunk_size: int | None = None, progress: Callable | None = None
) -> SeasonEnd:
    """Start (or resume) and finish the end of ``season``; ``progress(result)`` after each step."""
    chunk_size = chunk_size or settings.SEASON_END_CHUNK_SIZE
    season_end_start(season=season)
    while True:
        result = season_end_step(season=season, chunk_size=chunk_size)
        if progress is not None:
            progress(result)
        if result.finished:
            return SeasonEnd.objects.get(season=season)


def seasons_end_due(*, now=None) -> list[int]:
    """End every season past its end_date that is active or already ending (periodic job)."""
    now = now or timezone.now()
    ended = []
    due = Season.objects.filter(end_date__lte=now).filter(
        Q(is_active=True) | Q(end_run__isnull=False, end_run__finished_at__isnull=True)
    )
    for season in due.order_by("season_number"):
        season_end_run(season=season)
        ended.append(season.season_number)
    return ended


# --- phases: (run, season, chunk) -> (players handled, new cursor or None when done) ------------


def _freeze(run, season, chunk):
    players = ranking_end.standings_freeze(season_number=season.season_number, name=season.name)
    return players, None


def _rank_rewards(run, season, chunk):
    from battlepass.season_end_grants import rank_rewards_grant

    rows = ranking_end.standings_chunk(
        season_number=season.season_number, after=run.cursor, limit=chunk
    )
    if not rows:
        return 0, None
    rank_rewards_grant(season=season, standings=rows, by_tier=_rank_rewards_by_tier(season))
    return len(rows), rows[-1]["user_id"]


def _progress_chunk(season, after, chunk, since=None) -> list[tuple]:
    qs = PlayerSeasonProgress.objects.filter(season=season, current_tier__gt=0)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    if after is not None:
        qs = qs.filter(user_id__gt=after)
    return list(qs.order_by("user_id").values_list("user_id", "current_tier", "is_premium")[:chunk])


def _unclaimed(run, season, chunk, since=None):
    from battlepass.season_end_grants import unclaimed_grant

    rows = _progress_chunk(season, run.cursor, chunk, since=since)
    unclaimed_grant(season=season, progress=rows)
    return len(rows), (rows[-1][0] if rows else None)


def _late_unclaimed(run, season, chunk):
    return _unclaimed(run, season, chunk, since=run.unclaimed_started_at)


def _reset(run, season, chunk):
    return ranking_end.ratings_soft_reset(
        season_number=season.season_number, after=run.cursor, limit=chunk, factor=run.reset_factor
    )


def _boards(run, season, chunk):
    from ranking.rebuild import rebuild_leaderboards

    return rebuild_leaderboards(), None


def _close(run, season, chunk):
    from battlepass.services import season_activate

    Season.objects.filter(pk=season.pk).update(is_active=False)
    following = (
        Season.objects.filter(
            season_number__gt=season.season_number,
            start_date__lte=timezone.now(),
            end_date__gt=timezone.now(),
            end_run__isnull=True,
        )
        .order_by("season_number")
        .first()
    )
    if following is not None and not Season.objects.filter(is_active=True).exists():
        season_activate(season=following)
    return 1, None


def _notify(run, season, chunk):
    rows = ranking_end.standings_chunk(
        season_number=season.season_number, after=run.cursor, limit=chunk
    )
    if not rows:
        return 0, None
    rewards = season_end_rewards(season=season, first=rows[0]["user_id"], last=rows[-1]["user_id"])
    events.publish_many(
        [
            (
                "season.ended",
                {
                    "user_id": str(row["user_id"]),
                    "season_id": str(season.pk),
                    "season_number": season.season_number,
                    "season_name": season.name,
                    "final_rank": row["final_rank"],
                    "final_country_rank": row["final_country_rank"],
                    "final_elo": row["final_elo"],
                    "final_tier": row["final_tier"],
                    "rewards": rewards.get(row["user_id"], []),
                }
            )
            for row in rows
        ],
    )
    return len(rows), rows[-1]["user_id"]


def season_end_rewards(*, season: Season, first, last) -> dict:
    """What the season's end granted each player with a user id in [first, last]: rank
    rewards, then unclaimed ones, as ``[{type, value}]`` (what was actually given: an owned
    cosmetic shows as its coins)."""
    out = defaultdict(list)
    for user_id, kind, value in (
        SeasonRankReward.objects.filter(season=season, user_id__gte=first, user_id__lte=last)
        .order_by("user_id", "position")
        .values_list("user_id", "granted_type", "granted_value")
    ):
        out[user_id].append(_reward(kind, value))
    for user_id, kind, value in (
        RewardClaim.objects.filter(
            season=season, user_id__gte=first, user_id__lte=last, at_season_end=True
        )
        .order_by("user_id", "tier", "track")
        .values_list("user_id", "granted_type", "granted_value")
    ):
        out[user_id].append(_reward(kind, value))
    return out


def _reward(kind: str, value: str) -> dict:
    return {"type": kind, "value": value if kind == RewardType.COSMETIC else int(value)}


PHASES = {
    SeasonEndPhase.FREEZE: _freeze,
    SeasonEndPhase.RANK_REWARDS: _rank_rewards,
    SeasonEndPhase.UNCLAIMED: _unclaimed,
    SeasonEndPhase.RESET: _reset,
    SeasonEndPhase.BOARDS: _boards,
    SeasonEndPhase.CLOSE: _close,
    SeasonEndPhase.LATE_UNCLAIMED: _late_unclaimed,
    SeasonEndPhase.NOTIFY: _notify,
}
