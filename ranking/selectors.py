"""SQL reads of ranking. Every board query is a single-table range scan on the partial indexes
``(current_elo DESC, user_id)`` / ``(country, current_elo DESC, user_id)`` over listed ratings;
a rank is 1 + the rows strictly ahead (two index-only counts); board sizes come from
``BoardSize``, never from counting a whole board."""

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet

from profiles.models import Profile
from profiles.selectors import profile_for_viewer
from ranking.elo import next_tier_floor
from ranking.leaderboard import Position
from ranking.models import BoardSize, MatchResult, PlayerRating

RECENT_MATCHES = 10

ENTRY_FIELDS = (
    "user_id",
    "listed",
    "current_elo",
    "current_tier",
    "wins",
    "losses",
    "draws",
    "win_rate",
    "country",
    "user__profile__display_name",
    "user__profile__avatar_url",
    "user__profile__is_public",
)


# --- profiles (read through here only) ---------------------------------------------------------


def profile_countries(user_ids: Iterable) -> dict[uuid.UUID, str]:
    return {
        uid: (country or "").upper()
        for uid, country in Profile.objects.filter(user_id__in=list(user_ids)).values_list(
            "user_id", "country"
        )
    }


def profile_card(*, user_id, viewer) -> dict:
    """The profile as ``viewer`` may see it (profiles' privacy rule): PROFILE_NOT_FOUND for no
    such or a deactivated user, PROFILE_PRIVATE for a private one unless owner or staff."""
    return profile_for_viewer(user_id=user_id, viewer=viewer)


# --- ratings -------------------------------------------------------------------------------------


def board_queryset(country: str | None = None) -> QuerySet:
    qs = PlayerRating.objects.filter(listed=True)
    return qs.filter(country=country) if country else qs


def board_size(country: str | None = None) -> int:
    return (
        BoardSize.objects.filter(board=country or "global")
        .values_list("players", flat=True)
        .first()
        or 0
    )


def sql_page(country: str | None, offset: int, limit: int) -> list[tuple[int, uuid.UUID, int]]:
    rows = (
        board_queryset(country)
        .order_by("-current_elo", "user_id")
        .values_list("user_id", "current_elo")[offset : offset + limit]
    )
    return [(offset + i + 1, uid, elo) for i, (uid, elo) in enumerate(rows)]


def sql_rank(user_id, elo: int, country: str | None = None) -> int:
    qs = board_queryset(country)
    ahead = qs.filter(current_elo__gt=elo).count()
    tied_ahead = qs.filter(current_elo=elo, user_id__lt=user_id).count()
    return ahead + tied_ahead + 1


def listed_rating(user_id) -> tuple[int, str] | None:
    """(ELO, country) of a player shown on the boards, None otherwise."""
    return (
        PlayerRating.objects.filter(user_id=user_id, listed=True)
        .values_list("current_elo", "country")
        .first()
    )


def sql_position(user_id, elo: int, radius: int, country: str | None = None) -> Position:
    """The listed player's ``Position`` (as ``leaderboard.position`` gives it from Redis): rank,
    players in higher tiers, and up to ``radius`` players each side."""
    qs = board_queryset(country)
    rank = sql_rank(user_id, elo, country)
    floor = next_tier_floor(elo)
    higher = qs.filter(current_elo__gte=floor).count() if floor is not None else 0
    if radius == 0:
        return Position(rank, board_size(country), higher, [(rank, _as_uuid(user_id), elo)])
    above = list(
        qs.filter(current_elo=elo, user_id__lt=user_id)
        .order_by("-user_id")
        .values_list("user_id", "current_elo")[:radius]
    )
    if len(above) < radius:
        above += list(
            qs.filter(current_elo__gt=elo)
            .order_by("current_elo", "-user_id")
            .values_list("user_id", "current_elo")[: radius - len(above)]
        )
    below = list(
        qs.filter(current_elo=elo, user_id__gt=user_id)
        .order_by("user_id")
        .values_list("user_id", "current_elo")[:radius]
    )
    if len(below) < radius:
        below += list(
            qs.filter(current_elo__lt=elo)
            .order_by("-current_elo", "user_id")
            .values_list("user_id", "current_elo")[: radius - len(below)]
        )
    rows = [(rank - 1 - i, uid, e) for i, (uid, e) in enumerate(above)][::-1]
    rows.append((rank, _as_uuid(user_id), elo))
    rows += [(rank + 1 + i, uid, e) for i, (uid, e) in enumerate(below)]
    return Position(rank, board_size(country), higher, rows)


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def entry_rows(user_ids: list) -> dict[uuid.UUID, dict]:
    """Rating + profile card of many players in one query."""
    return {
        row["user_id"]: row
        for row in PlayerRating.objects.filter(user_id__in=user_ids).values(*ENTRY_FIELDS)
    }


def rating_fields(user_id) -> dict | None:
    rating = PlayerRating.objects.filter(user_id=user_id).first()
    if rating is None:
        return None
    return {
        "user_id": str(rating.user_id),
        "current_elo": rating.current_elo,
        "peak_elo": rating.peak_elo,
        "current_tier": rating.current_tier,
        "wins": rating.wins,
        "losses": rating.losses,
        "draws": rating.draws,
        "matches_played": rating.matches_played,
        "win_rate": rating.win_rate,
        "last_match_date": rating.last_match_date,
        "listed": rating.listed,
    }


def recent_matches(user_id, limit: int = RECENT_MATCHES) -> list[MatchResult]:
    """The player's latest matches (two index range scans, merged)."""
    as_p1 = list(MatchResult.objects.filter(player1_id=user_id).order_by("-played_at")[:limit])
    as_p2 = list(MatchResult.objects.filter(player2_id=user_id).order_by("-played_at")[:limit])
    merged = sorted(as_p1 + as_p2, key=lambda m: (m.played_at, m.id), reverse=True)
    return merged[:limit]
