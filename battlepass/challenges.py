"""Season challenges: progress recorded from matches (and from XP awards for ``xp_earned``).

Re-exported by ``battlepass.services``. Lock order as everywhere in the battle pass: the
player's season progress row first, then their challenge rows (by challenge id), then the
profile (through ``xp_award``).
"""

from django.db import transaction
from django.utils import timezone

import events
from battlepass.models import (
    ChallengeMatchRecord,
    ChallengeMetric,
    ChallengeProgress,
    Season,
    SeasonChallenge,
    XPSource,
)
from battlepass.selectors import season_active_get
from battlepass.xp import ACTIVE_SEASON, insert_ignoring_conflicts

MATCH_METRICS = (ChallengeMetric.WINS, ChallengeMetric.MATCHES_PLAYED, ChallengeMetric.KILLS)


def season_challenges(season: Season | None) -> list[SeasonChallenge]:
    """Every challenge of ``season`` (none without a season): looked up once by a caller that
    records several players or awards, and passed to ``challenge_progress_record`` /
    ``xp_award``."""
    return list(SeasonChallenge.objects.filter(season=season)) if season is not None else []


def _locked_rows(*, user, challenges: list[SeasonChallenge]) -> dict:
    """The user's progress rows of ``challenges``, created on first touch, locked in id order.
    The caller holds the user's season progress lock, which serialises everything touching
    these rows."""
    ids = sorted(c.pk for c in challenges)
    qs = (
        ChallengeProgress.objects.select_for_update()
        .filter(user=user, challenge_id__in=ids)
        .order_by("challenge_id")
    )
    rows = {row.challenge_id: row for row in qs}
    missing = [challenge_id for challenge_id in ids if challenge_id not in rows]
    if missing:
        ChallengeProgress.objects.bulk_create(
            [ChallengeProgress(user=user, challenge_id=challenge_id) for challenge_id in missing],
            ignore_conflicts=True,  # created concurrently
        )
        rows = {row.challenge_id: row for row in qs.all()}
    return rows


def _advance(
    *, user, season: Season, deltas: dict[str, int], match_id: str | None, challenges=None
) -> list:
    """Add ``deltas`` to the user's challenges of ``season``; complete those reaching their
    target (once), awarding their XP. Returns the challenges completed now."""
    metrics = [m for m, d in deltas.items() if d > 0]
    if challenges is None:
        challenges = list(SeasonChallenge.objects.filter(season=season, metric__in=metrics))
    else:
        challenges = [c for c in challenges if c.season_id == season.pk and c.metric in metrics]
    if not challenges:
        return []
    from battlepass.xp import lock_progress

    lock_progress(user=user, season=season)
    rows = _locked_rows(user=user, challenges=challenges)
    completed = []
    now = timezone.now()
    for challenge in sorted(challenges, key=lambda c: c.pk):
        row = rows[challenge.pk]
        row.progress += deltas[challenge.metric]
        newly_done = row.completed_at is None and row.progress >= challenge.target
        if newly_done:
            row.completed_at = now
            completed.append(challenge)
        row.save(update_fields=["progress", "completed_at", "updated_at"])
    for challenge in completed:
        _complete(
            user=user, season=season, challenge=challenge, match_id=match_id, challenges=challenges
        )
    return completed


def _complete(*, user, season: Season, challenge: SeasonChallenge, match_id, challenges) -> None:
    from battlepass.xp import xp_award

    xp_award(
        user=user,
        amount=challenge.xp_reward,
        source=XPSource.SEASON_CHALLENGE,
        match_id=match_id,
        challenge_id=challenge.pk,
        season=season,
        challenges=challenges,
    )
    events.publish(
        "battlepass.challenge_completed",
        {
            "user_id": str(user.pk),
            "season_id": str(season.pk),
            "challenge_id": str(challenge.pk),
            "xp_reward": challenge.xp_reward,
        },
    )


def challenge_progress_record(
    *, user, metric_deltas: dict, match_id, season=ACTIVE_SEASON, challenges=None
) -> list[SeasonChallenge]:
    """Count one match towards the user's challenges of the active season.

    ``metric_deltas`` maps ``wins`` / ``matches_played`` / ``kills`` to non-negative integers
    (``xp_earned`` advances from ``xp_award`` itself). Called by the match.completed handling
    inside its transaction (no savepoint: a failure rolls the caller back); a match already
    counted for this user advances nothing (unique (user, season, match_id) record). No active
    season: nothing to do. A caller may pass the active ``season`` and its ``challenges``
    (``season_challenges``), looked up once. Returns the challenges completed by this call.
    """
    unknown = set(metric_deltas) - set(MATCH_METRICS)
    if unknown:
        raise ValueError(f"Unknown challenge metrics {sorted(unknown)} (xp_earned is automatic).")
    for metric, delta in metric_deltas.items():
        if isinstance(delta, bool) or not isinstance(delta, int) or delta < 0:
            raise ValueError(f"{metric}: deltas are non-negative integers.")
    if match_id is None or str(match_id) == "":
        raise ValueError("match_id is required.")
    with transaction.atomic(savepoint=False):
        if season is ACTIVE_SEASON:
            season = season_active_get()
        if season is None:
            return []
        record = ChallengeMatchRecord(user=user, season=season, match_id=str(match_id))
        if not insert_ignoring_conflicts(record):
            return []
        return _advance(
            user=user,
            season=season,
            deltas=dict(metric_deltas),
            match_id=str(match_id),
            challenges=challenges,
        )


def challenges_record_xp(
    *, user, season: Season, amount: int, source: str, match_id, challenges=None
) -> None:
    """``xp_award``'s hook: XP of every source except challenge rewards themselves (so that
    challenges never feed each other) advances ``xp_earned`` challenges."""
    if source == XPSource.SEASON_CHALLENGE:
        return
    _advance(
        user=user,
        season=season,
        deltas={ChallengeMetric.XP_EARNED: amount},
        match_id=match_id,
        challenges=challenges,
    )
