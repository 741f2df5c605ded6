"""Recreate the Redis leaderboards and the board sizes from SQL (streaming)."""

from django.db import connection, transaction
from django.db.models import Count

from ranking import leaderboard
from ranking.models import BoardSize, PlayerRating


@transaction.atomic
def recount_board_sizes() -> dict[str, int]:
    sizes = {"global": PlayerRating.objects.filter(listed=True).count()}
    for row in (
        PlayerRating.objects.filter(listed=True)
        .exclude(country="")
        .values("country")
        .annotate(n=Count("pk"))
    ):
        sizes[row["country"]] = row["n"]
    BoardSize.objects.exclude(board__in=sizes).delete()
    BoardSize.objects.bulk_create(
        [BoardSize(board=b, players=n) for b, n in sizes.items()],
        update_conflicts=True,
        unique_fields=["board"],
        update_fields=["players"],
    )
    return sizes


def rebuild_leaderboards(progress=None, chunk_size: int = 20_000) -> int:
    """Board sizes, then the Redis sets (when Redis is configured). Returns players written."""
    recount_board_sizes()
    rows = (
        PlayerRating.objects.filter(listed=True)
        .values_list("user_id", "current_elo", "revision", "country")
        .iterator(chunk_size=chunk_size)
    )
    if connection.vendor == "postgresql":
        # A server-side cursor needs a transaction to stream from.
        with transaction.atomic():
            return leaderboard.rebuild(rows, progress=progress)
    return leaderboard.rebuild(rows, progress=progress)
