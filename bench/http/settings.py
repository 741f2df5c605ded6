"""Settings of the HTTP benchmark: the project's settings plus a trivial view (a reference)."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.ranking.urls"
