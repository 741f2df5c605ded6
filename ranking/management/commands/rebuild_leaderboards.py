import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from core.redis import get_redis
from ranking.rebuild import rebuild_leaderboards
from ranking.selectors import board_queryset


class Command(BaseCommand):
    help = "Recreate the board sizes and the Redis leaderboards from the ratings in SQL."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, no_progress=False, **options):
        started = time.monotonic()
        total = board_queryset().count()
        with tqdm(
            total=total, desc="leaderboards", unit="player", file=sys.stderr, disable=no_progress
        ) as bar:
            written = rebuild_leaderboards(progress=bar)
        where = "Redis and board sizes" if get_redis() is not None else "board sizes (no REDIS_URL)"
        self.stdout.write(
            f"Rebuilt {where}: {written if get_redis() else total} players "
            f"in {time.monotonic() - started:.1f} s."
        )
