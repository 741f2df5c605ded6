"""Settings of the ranking benchmark: the project's settings plus a trivial view (the ceiling)."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.ranking.urls"
