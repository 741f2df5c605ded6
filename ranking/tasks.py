"""Leaderboard rebuild as a background job (queued when a reader finds the sets not built)."""

import logging

from celery import shared_task

from core.redis import get_redis, rkey

logger = logging.getLogger(__name__)

REBUILD_LOCK_SECONDS = 600


@shared_task(name="ranking.rebuild_leaderboards", ignore_result=True)
def rebuild_leaderboards_task() -> int:
    from ranking.rebuild import rebuild_leaderboards

    try:
        return rebuild_leaderboards()
    finally:
        client = get_redis()
        if client is not None:
            client.delete(rkey("lb", "rebuild-lock"))


def schedule_rebuild() -> None:
    """Queue one rebuild (a lock keeps concurrent readers from queueing more)."""
    client = get_redis()
    try:
        if client is None or not client.set(
            rkey("lb", "rebuild-lock"), "1", nx=True, ex=REBUILD_LOCK_SECONDS
        ):
            return
        rebuild_leaderboards_task.delay()
    except Exception:
        logger.warning("Could not schedule a leaderboard rebuild", exc_info=True)
