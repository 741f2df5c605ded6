"""Settings of the events benchmark: the project's, with a Celery queue of the run's own so a
shared Redis broker never hands the bench's relay tasks to another worker."""

import os

from config.settings.base import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_QUEUE", "bench-events")
