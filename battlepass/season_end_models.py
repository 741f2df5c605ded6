"""The season-end run's progress marker and the rank rewards it granted (imported by
``battlepass.models``). See ``battlepass.season_end`` for the phases."""

import uuid

from django.conf import settings
from django.db import models


class SeasonEndPhase(models.TextChoices):
    FREEZE = "freeze"
    RANK_REWARDS = "rank_rewards"
    UNCLAIMED = "unclaimed"
    RESET = "reset"
    BOARDS = "boards"
    CLOSE = "close"
    LATE_UNCLAIMED = "late_unclaimed"
    NOTIFY = "notify"
    DONE = "done"


PHASE_ORDER: tuple[str, ...] = tuple(SeasonEndPhase.values)


class SeasonEnd(models.Model):
    """One row per season being ended: the state machine (its existence means "ending",
    ``finished_at`` "ended") and the progress marker (``phase`` and ``cursor``, the last user id
    done in the phase). Every chunk locks this row, does its work and moves the marker in the
    same transaction, so a killed run resumes where the last commit left it and two runners
    never do a chunk twice."""

    season = models.OneToOneField(
        "battlepass.Season", primary_key=True, on_delete=models.CASCADE, related_name="end_run"
    )
    phase = models.CharField(
        max_length=20, choices=SeasonEndPhase.choices, default=SeasonEndPhase.FREEZE
    )
    cursor = models.UUIDField(null=True, blank=True)
    reset_factor = models.FloatField()
    counts = models.JSONField(default=dict, blank=True)
    phase_started_at = models.DateTimeField()
    # Progress rows changed after this moment get a last unclaimed-rewards pass after close.
    unclaimed_started_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "season end run"

    def __str__(self):
        return f"End of {self.season_id}: {self.phase}"


class SeasonRankReward(models.Model):
    """A rank reward granted at a season's end: at most one per (season, user, position in the
    tier's reward list), inserted before the grant under its unique constraint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    season = models.ForeignKey(
        "battlepass.Season", on_delete=models.CASCADE, related_name="rank_rewards_granted"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank_tier = models.CharField(max_length=12)
    position = models.PositiveSmallIntegerField()
    reward_type = models.CharField(max_length=10)
    reward_value = models.CharField(max_length=100)
    granted_type = models.CharField(max_length=10)
    granted_value = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["season", "user", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "user", "position"], name="battlepass_rank_reward_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.rank_tier} #{self.position}"
