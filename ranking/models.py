"""Ratings (one row per rated player), recorded match results, and board sizes.

``PlayerRating.country`` and ``listed`` are copies kept by this app (from the profile and the
account) so that the SQL leaderboards are single-table, index-only queries.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

MIN_ELO = 100
MAX_ELO = 3000
START_ELO = 1200


class Tier(models.TextChoices):
    BRONZE = "Bronze"
    SILVER = "Silver"
    GOLD = "Gold"
    PLATINUM = "Platinum"
    DIAMOND = "Diamond"
    MASTER = "Master"
    GRANDMASTER = "Grandmaster"


def _elo_in_bounds(field: str) -> Q:
    return Q(**{f"{field}__gte": MIN_ELO, f"{field}__lte": MAX_ELO})


class PlayerRating(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="rating"
    )
    current_elo = models.IntegerField(default=START_ELO)
    peak_elo = models.IntegerField(default=START_ELO)
    current_tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.GOLD)
    wins = models.PositiveIntegerField(default=0)
    losses = models.PositiveIntegerField(default=0)
    draws = models.PositiveIntegerField(default=0)
    win_rate = models.FloatField(default=0.0)  # wins / matches played, 0..1, 4 decimals
    last_match_date = models.DateTimeField(null=True, blank=True)
    # Copies for single-table board queries: the profile's country, and "shown on boards"
    # (False once the account is deactivated).
    country = models.CharField(max_length=2, blank=True, default="")
    listed = models.BooleanField(default=True)
    # Bumped on every change; the Redis index applies an update only if it is newer.
    revision = models.BigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_elo_in_bounds("current_elo"), name="ranking_current_elo_bounds"
            ),
            models.CheckConstraint(
                condition=_elo_in_bounds("peak_elo"), name="ranking_peak_elo_bounds"
            ),
            models.CheckConstraint(
                condition=Q(peak_elo__gte=F("current_elo")), name="ranking_peak_gte_current"
            ),
        ]
        indexes = [
            # Board order: ELO descending, ties by user id ascending.
            models.Index(
                F("current_elo").desc(),
                F("user"),
                name="ranking_global_order",
                condition=Q(listed=True),
            ),
            models.Index(
                F("country"),
                F("current_elo").desc(),
                F("user"),
                name="ranking_country_order",
                condition=Q(listed=True),
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.current_elo}"

    @property
    def matches_played(self) -> int:
        return self.wins + self.losses + self.draws


class MatchResult(models.Model):
    """A match applied to the ratings: once per ``match_id``, with both players' ELO before
    and after. ``elo_delta_p1`` is what player 1 gained; player 2 gained the opposite
    (``elo_delta_p2``)."""

    match_id = models.UUIDField(unique=True)
    player1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    player2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    winner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    is_draw = models.BooleanField(default=False)
    player1_score = models.IntegerField(default=0)
    player2_score = models.IntegerField(default=0)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    player1_pre_elo = models.IntegerField()
    player1_post_elo = models.IntegerField()
    player2_pre_elo = models.IntegerField()
    player2_post_elo = models.IntegerField()
    elo_delta_p1 = models.IntegerField()
    played_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(player1=F("player2")), name="ranking_match_distinct_players"
            ),
            models.CheckConstraint(
                condition=(Q(is_draw=True, winner__isnull=True))
                | (Q(is_draw=False) & (Q(winner=F("player1")) | Q(winner=F("player2")))),
                name="ranking_match_winner_is_player",
            ),
            *[
                models.CheckConstraint(condition=_elo_in_bounds(f), name=f"ranking_{f}_bounds")
                for f in (
                    "player1_pre_elo",
                    "player1_post_elo",
                    "player2_pre_elo",
                    "player2_post_elo",
                )
            ],
        ]
        indexes = [
            models.Index(fields=["played_at", "id"], name="ranking_match_replay_order"),
            models.Index(fields=["player1", "-played_at"], name="ranking_match_p1_recent"),
            models.Index(fields=["player2", "-played_at"], name="ranking_match_p2_recent"),
        ]

    def __str__(self):
        return str(self.match_id)

    @property
    def elo_delta_p2(self) -> int:
        return -self.elo_delta_p1


class BoardSize(models.Model):
    """How many listed players a board has ("global" or a country code), kept with every
    rating change so the SQL path never counts a whole board per request."""

    board = models.CharField(max_length=8, primary_key=True)
    players = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.board}: {self.players}"


class SeasonStandings(models.Model):
    """The final standings of one ended season (by its number: seasons belong to the battle
    pass, which ranking does not import). ``frozen_at``: the moment of the snapshot;
    ``published_at``: when the season's end finished and the standings became public."""

    season_number = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100, blank=True, default="")
    frozen_at = models.DateTimeField()
    players = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "season standings"
        ordering = ["-season_number"]

    def __str__(self):
        return f"Season {self.season_number} standings"


class SeasonStanding(models.Model):
    """One player's final place in one season, written once by the freeze (one INSERT … SELECT
    with window functions) and never changed."""

    id = models.BigAutoField(primary_key=True)
    season_number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    final_rank = models.PositiveIntegerField()
    final_country_rank = models.PositiveIntegerField(null=True, blank=True)
    final_elo = models.IntegerField()
    final_tier = models.CharField(max_length=12, choices=Tier.choices)
    country = models.CharField(max_length=2, blank=True, default="")
    wins = models.PositiveIntegerField(default=0)
    losses = models.PositiveIntegerField(default=0)
    draws = models.PositiveIntegerField(default=0)
    win_rate = models.FloatField(default=0.0)

    class Meta:
        ordering = ["season_number", "final_rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["season_number", "user"], name="ranking_standing_unique"
            ),
            models.UniqueConstraint(
                fields=["season_number", "final_rank"], name="ranking_standing_rank_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["season_number", "country", "final_country_rank"],
                name="ranking_standing_country",
            ),
            models.Index(fields=["user", "season_number"], name="ranking_standing_user"),
        ]

    def __str__(self):
        return f"S{self.season_number} #{self.final_rank} {self.user_id}"
