"""Recreate the Redis leaderboards and the board sizes from SQL (streaming)."""

from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

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


# Ratings changed this long before a rebuild started are written again after the swap: an
# update committed while the rebuild streamed may have gone to the sets that were replaced.
CATCH_UP = timedelta(minutes=2)


def rebuild_leaderboards(progress=None, chunk_size: int = 20_000) -> int:
    """Board sizes, then the Redis sets (when Redis is configured). Returns players written."""
    started = timezone.now()
    recount_board_sizes()
    rows = (
        PlayerRating.objects.filter(listed=True)
        .values_list("user_id", "current_elo", "revision", "country")
        .iterator(chunk_size=chunk_size)
    )
    if connection.vendor == "postgresql":
        # A server-side cursor needs a transaction to stream from.
        with transaction.atomic():
            written = leaderboard.rebuild(rows, progress=progress)
    else:
        written = leaderboard.rebuild(rows, progress=progress)
    _catch_up(since=started - CATCH_UP)
    return written


def _catch_up(*, since) -> None:
    """Re-apply recent changes; the index keeps whichever revision is newest."""
    recent = PlayerRating.objects.filter(updated_at__gte=since).values_list(
        "user_id", "current_elo", "revision", "country", "listed"
    )
    batch = []
    for row in recent.iterator(chunk_size=5000):
        batch.append(leaderboard.IndexEntry(*row))
        if len(batch) >= 5000:
            leaderboard.apply(batch)
            batch = []
    leaderboard.apply(batch)
