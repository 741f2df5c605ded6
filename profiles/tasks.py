"""Celery tasks of the media pipeline: thin wrappers owning retries and time limits."""

import logging
import random

from celery import shared_task

from profiles import media_services
from profiles.storage import MediaStorageError

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


def retry_countdown(retries: int) -> float:
    """Exponential backoff with jitter: ~1, 2, 4, 8, 16 s (capped at 60)."""
    return min(60.0, 2.0**retries) * random.uniform(0.75, 1.25)


@shared_task(
    bind=True,
    name="profiles.process_media",
    ignore_result=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=90,
    time_limit=120,
)
def process_media(self, upload_id: str) -> None:
    """Verify, resize and publish one upload. Storage errors are retried with backoff; anything
    else is recorded on the upload (and the profile's media status) as a readable failure."""
    try:
        media_services.media_process(upload_id=upload_id)
    except MediaStorageError as exc:
        if self.request.retries >= MAX_RETRIES:
            logger.error("Storage still failing for upload %s: %s", upload_id, exc)
            media_services.media_fail(
                upload_id=upload_id, reason="Storage was unavailable; upload the image again."
            )
            return
        logger.warning("Storage error for upload %s, retrying: %s", upload_id, exc)
        if self.request.is_eager:
            # In-process jobs (no broker): there is no queue to come back through, so the
            # next attempt runs here and now.
            self.apply(args=[upload_id], retries=self.request.retries + 1)
            return
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries))
    except Exception:
        logger.exception("Processing upload %s failed", upload_id)
        media_services.media_fail(
            upload_id=upload_id, reason="The image could not be processed; try another file."
        )


@shared_task(name="profiles.sweep_media", ignore_result=True, soft_time_limit=240, time_limit=300)
def sweep_media() -> dict:
    """Beat job: fail uploads stuck in processing, delete old unconfirmed uploads."""
    return media_services.media_sweep()
