"""Seasons, their tiers and rewards, each player's progress, reward claims and the XP log.

The database is the guard for every invariant: one active season (partial unique constraint),
one progress row per (user, season), one claim per (user, season, tier, track), one XP log row
per (user, source, match_id) / (user, source, challenge_id) / (user, source, reference).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel


class RewardType(models.TextChoices):
    COSMETIC = "cosmetic"
    COINS = "coins"
    XP = "xp"


class Track(models.TextChoices):
    FREE = "free"
    PREMIUM = "premium"


class XPSource(models.TextChoices):
    MATCH = "match"
    DAILY_BONUS = "daily_bonus"
    SEASON_CHALLENGE = "season_challenge"
    BATTLEPASS_REWARD = "battlepass_reward"
    ADMIN = "admin"


class Season(TimeStampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    season_number = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=100)
    theme = models.CharField(max_length=100, blank=True, default="")
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    xp_per_tier = models.PositiveIntegerField(default=1000)
    max_tier = models.PositiveIntegerField(default=100)
    premium_price = models.PositiveIntegerField(
        default=950, help_text="Price of the premium pass, in premium currency."
    )
    is_active = models.BooleanField(default=False)
    tier_price = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Price of one battle-pass tier, in premium currency; empty: tiers not for sale.",
    )
    rank_rewards = models.JSONField(
        default=list,
        blank=True,
        help_text='Rewards for the final rank tier: [{"tier": "Gold", "rewards": [Reward, ...]}].',
    )

    class Meta:
        ordering = ["-season_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="battlepass_one_active_season",
            ),
            models.CheckConstraint(
                condition=Q(xp_per_tier__gte=1), name="battlepass_season_xp_per_tier_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(max_tier__gte=1), name="battlepass_season_max_tier_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="battlepass_season_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"Season {self.season_number}: {self.name}"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "The season must end after it starts."})

    @property
    def state(self) -> str:
        """scheduled, active, ending (its end is running), ended, or inactive (past and never
        ended through ``season_end``, or deactivated before its start)."""
        try:
            run = self.end_run
        except ObjectDoesNotExist:
            run = None
        if run is not None:
            return "ended" if run.finished_at else "ending"
        if self.is_active:
            return "active"
        from django.utils import timezone

        return "scheduled" if self.start_date > timezone.now() else "inactive"

    def tier_for_xp(self, current_xp: int, purchased_tiers: int = 0) -> int:
        """Tier = min(max_tier, floor(current_xp / xp_per_tier) + purchased_tiers)."""
        return min(self.max_tier, max(0, current_xp) // self.xp_per_tier + max(0, purchased_tiers))


def _reward_constraints(track: str) -> list[models.BaseConstraint]:
    t, v, c = f"{track}_reward_type", f"{track}_reward_value", f"{track}_reward_cosmetic"
    return [
        models.CheckConstraint(
            condition=Q(**{t: "", v: "", f"{c}__isnull": True})
            | Q(**{t: RewardType.COSMETIC, f"{c}__isnull": False})
            | Q(**{f"{t}__in": [RewardType.COINS, RewardType.XP], f"{c}__isnull": True}),
            name=f"battlepass_tier_{track}_reward_shape",
        )
    ]


class BattlePassTier(models.Model):
    """One tier of a season with its optional free and premium rewards.

    A reward is ``(type, value)``: ``value`` is the cosmetic's slug for a cosmetic (the foreign
    key is kept in step and makes the database refuse an unknown cosmetic) and a positive amount
    for coins and xp. ``save()`` validates the rewards, so no path stores a broken one.
    """

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="tiers")
    tier_number = models.PositiveIntegerField()
    free_reward_type = models.CharField(
        max_length=10, choices=RewardType.choices, blank=True, default=""
    )
    free_reward_value = models.CharField(max_length=100, blank=True, default="")
    free_reward_cosmetic = models.ForeignKey(
        "cosmetics.Cosmetic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    premium_reward_type = models.CharField(
        max_length=10, choices=RewardType.choices, blank=True, default=""
    )
    premium_reward_value = models.CharField(max_length=100, blank=True, default="")
    premium_reward_cosmetic = models.ForeignKey(
        "cosmetics.Cosmetic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["season", "tier_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "tier_number"], name="battlepass_tier_unique"
            ),
            models.CheckConstraint(condition=Q(tier_number__gte=1), name="battlepass_tier_gte_1"),
            *_reward_constraints("free"),
            *_reward_constraints("premium"),
        ]

    def __str__(self):
        return f"Tier {self.tier_number}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def reward(self, track: str) -> tuple[str, str, object] | None:
        """``(type, value, cosmetic|None)`` of the track's reward, or None when it has none."""
        kind = getattr(self, f"{track}_reward_type")
        if not kind:
            return None
        return (
            kind,
            getattr(self, f"{track}_reward_value"),
            getattr(self, f"{track}_reward_cosmetic"),
        )

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        if self.season_id and self.tier_number and self.tier_number > self.season.max_tier:
            errors["tier_number"] = f"The season has {self.season.max_tier} tiers."
        for track in Track.values:
            message = self._normalise_reward(track)
            if message:
                errors[f"{track}_reward_value"] = message
        if errors:
            raise ValidationError(errors)

    def _normalise_reward(self, track: str) -> str | None:
        """Check one track's reward, set its cosmetic from the slug; an error message or None."""
        from cosmetics.models import Cosmetic

        kind = getattr(self, f"{track}_reward_type")
        value = str(getattr(self, f"{track}_reward_value") or "").strip()
        setattr(self, f"{track}_reward_value", value)
        if not kind:
            if value:
                return "Choose a reward type, or leave the value empty."
            setattr(self, f"{track}_reward_cosmetic", None)
            return None
        if kind == RewardType.COSMETIC:
            cosmetic = Cosmetic.objects.filter(slug=value).first() if value else None
            if cosmetic is None:
                return f"No cosmetic with slug {value!r}."
            setattr(self, f"{track}_reward_cosmetic", cosmetic)
            return None
        setattr(self, f"{track}_reward_cosmetic", None)
        if not value.isdigit() or int(value) <= 0:
            return "A coins or xp reward needs a positive whole amount."
        setattr(self, f"{track}_reward_value", str(int(value)))
        return None


class PlayerSeasonProgress(TimeStampedModel):
    """A player's battle pass in one season, created on first touch."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="season_progress"
    )
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="progress")
    current_xp = models.BigIntegerField(default=0)
    current_tier = models.PositiveIntegerField(default=0)
    is_premium = models.BooleanField(default=False)
    premium_purchased_at = models.DateTimeField(null=True, blank=True)
    purchased_tiers = models.PositiveIntegerField(
        default=0, help_text="Tiers bought with premium currency, on top of the XP's tiers."
    )

    class Meta:
        verbose_name_plural = "player season progress"
        ordering = ["season", "-current_xp"]
        constraints = [
            models.UniqueConstraint(fields=["user", "season"], name="battlepass_progress_unique"),
            models.CheckConstraint(
                condition=Q(current_xp__gte=0), name="battlepass_progress_xp_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.season_id}: tier {self.current_tier}"


class RewardClaim(models.Model):
    """A reward taken: at most one per (user, season, tier, track), enforced by the database."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="battlepass_claims"
    )
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="claims")
    tier = models.PositiveIntegerField()
    track = models.CharField(max_length=10, choices=Track.choices)
    reward_type = models.CharField(max_length=10, choices=RewardType.choices)
    reward_value = models.CharField(max_length=100)
    # What was actually granted: a cosmetic already owned is converted to coins.
    granted_type = models.CharField(max_length=10, choices=RewardType.choices)
    granted_value = models.CharField(max_length=100)
    # Granted by the season's end (a reward reached but never claimed), not by the player.
    at_season_end = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["season", "tier", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "season", "tier", "track"], name="battlepass_claim_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} tier {self.tier} {self.track}"


class XPLog(models.Model):
    """Every XP award, with the result it produced (a replay returns it unchanged).

    Idempotency: one row per (user, source, match_id) for match-bound awards, per
    (user, source, challenge_id) for challenge rewards, and per (user, source, reference) when a
    caller gives a reference (battle-pass xp rewards, the daily bonus). An award with none of the
    three (an admin grant) is never deduplicated.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    season = models.ForeignKey(
        Season, null=True, blank=True, on_delete=models.SET_NULL, related_name="xp_logs"
    )
    amount = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=XPSource.choices)
    match_id = models.CharField(max_length=100, null=True, blank=True)
    challenge_id = models.UUIDField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True, default="")
    old_tier = models.PositiveIntegerField(default=0)
    new_tier = models.PositiveIntegerField(default=0)
    current_xp = models.BigIntegerField(default=0, help_text="Season XP after this award.")
    old_level = models.PositiveIntegerField(default=1)
    new_level = models.PositiveIntegerField(default=1)
    total_xp = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "XP log entry"
        verbose_name_plural = "XP log"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source", "match_id"],
                condition=Q(match_id__isnull=False, challenge_id__isnull=True),
                name="battlepass_xplog_match_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "source", "challenge_id"],
                condition=Q(challenge_id__isnull=False),
                name="battlepass_xplog_challenge_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "source", "reference"],
                condition=~Q(reference=""),
                name="battlepass_xplog_reference_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=1), name="battlepass_xplog_amount_gte_1"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="battlepass_xplog_user")]

    def __str__(self):
        return f"{self.user_id} +{self.amount} ({self.source})"


class DailyBonusClaim(models.Model):
    """The daily bonus taken by a user on one UTC day: unique per (user, day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_bonus_claims"
    )
    day = models.DateField()
    streak_days = models.PositiveIntegerField()
    xp_awarded = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="battlepass_daily_bonus_unique"),
            models.CheckConstraint(
                condition=Q(streak_days__gte=1), name="battlepass_daily_bonus_streak_gte_1"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.day} (streak {self.streak_days})"


class ChallengeMetric(models.TextChoices):
    WINS = "wins"
    MATCHES_PLAYED = "matches_played"
    KILLS = "kills"
    XP_EARNED = "xp_earned"


class SeasonChallenge(models.Model):
    """A goal of one season, defined by live ops: reach ``target`` of ``metric`` for ``xp_reward``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="challenges")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, default="")
    metric = models.CharField(max_length=20, choices=ChallengeMetric.choices)
    target = models.PositiveIntegerField()
    xp_reward = models.PositiveIntegerField()

    class Meta:
        ordering = ["season", "code"]
        constraints = [
            models.UniqueConstraint(fields=["season", "code"], name="battlepass_challenge_code"),
            models.CheckConstraint(
                condition=Q(metric__in=ChallengeMetric.values),
                name="battlepass_challenge_metric_valid",
            ),
            models.CheckConstraint(condition=Q(target__gte=1), name="battlepass_challenge_target"),
            models.CheckConstraint(
                condition=Q(xp_reward__gte=1), name="battlepass_challenge_xp_reward"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.name}"


class ChallengeProgress(models.Model):
    """A player's progress on one challenge; ``completed_at`` is set once, when the target is met.
    ``progress`` is the raw sum of what was recorded (it may pass the target)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="challenge_progress"
    )
    challenge = models.ForeignKey(
        SeasonChallenge, on_delete=models.CASCADE, related_name="progress"
    )
    progress = models.BigIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "challenge progress"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "challenge"], name="battlepass_challenge_progress_unique"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0), name="battlepass_challenge_progress_gte_0"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.challenge_id}: {self.progress}"


class ChallengeMatchRecord(models.Model):
    """A match already counted towards a user's challenges: a replay advances nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="+")
    match_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "season", "match_id"], name="battlepass_challenge_match_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.match_id}"


from battlepass.season_end_models import (  # noqa: E402, F401 - registered with the app
    SeasonEnd,
    SeasonEndPhase,
    SeasonRankReward,
)
