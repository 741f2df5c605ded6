"""Reads of ended seasons' frozen standings (``SeasonStanding``): the final boards and a
player's history. Same privacy as the live boards: a private player shows rank, user id,
display name, ELO and tier only; history of a private player is for the owner and staff."""

from core.errors import NotFound
from ranking.boards import PRIVATE_ENTRY_FIELDS, _card_or_unranked
from ranking.models import SeasonStanding, SeasonStandings

CARD_FIELDS = (
    "user_id",
    "final_rank",
    "final_country_rank",
    "final_elo",
    "final_tier",
    "country",
    "wins",
    "losses",
    "draws",
    "win_rate",
    "user__profile__display_name",
    "user__profile__avatar_url",
    "user__profile__is_public",
)


def ended_standings(season_number: int) -> SeasonStandings:
    standings = SeasonStandings.objects.filter(
        season_number=season_number, published_at__isnull=False
    ).first()
    if standings is None:
        raise NotFound(f"Season {season_number} has not ended.")
    return standings


def season_leaderboard_page(*, season_number: int, country: str | None, offset: int, limit: int):
    """``LeaderboardResponse`` of the final standings; with ``country`` the country ranks."""
    standings = ended_standings(season_number)
    qs = SeasonStanding.objects.filter(season_number=season_number)
    if country:
        qs = qs.filter(country=country).order_by("final_country_rank")
        total = qs.count()
    else:
        qs = qs.order_by("final_rank")
        total = standings.players
    rows = list(qs.values(*CARD_FIELDS)[offset : offset + limit]) if limit else []
    entries = []
    for row in rows:
        public = row["user__profile__is_public"] is not False
        entry = {
            "rank": row["final_country_rank"] if country else row["final_rank"],
            "user_id": str(row["user_id"]),
            "display_name": row["user__profile__display_name"] or "",
            "avatar_url": row["user__profile__avatar_url"] or None,
            "is_public": public,
            "country": row["country"] or None,
            "elo": row["final_elo"],
            "tier": row["final_tier"],
            "wins": row["wins"],
            "losses": row["losses"],
            "draws": row["draws"],
            "win_rate": row["win_rate"],
        }
        if not public:
            entry.update(dict.fromkeys(PRIVATE_ENTRY_FIELDS))
        entries.append(entry)
    return {
        "entries": entries,
        "total_players": total,
        "page": offset // limit + 1 if limit else 1,
        "page_size": limit,
    }


def player_season_history(*, user_id, viewer) -> list[dict]:
    """The player's final places in ended seasons, newest first (privacy as ``ratings/{id}``:
    PROFILE_PRIVATE for a private player, LEADERBOARD_USER_NOT_RANKED for no such or a
    deactivated user)."""
    _card_or_unranked(user_id, viewer)
    ended = dict(
        SeasonStandings.objects.filter(published_at__isnull=False).values_list(
            "season_number", "name"
        )
    )
    rows = (
        SeasonStanding.objects.filter(user_id=user_id, season_number__in=list(ended))
        .order_by("-season_number")
        .values("season_number", "final_rank", "final_country_rank", "final_elo", "final_tier")
    )
    return [{**row, "name": ended[row["season_number"]]} for row in rows]
