"""The Celery app. Broker from CELERY_BROKER_URL; with none set, tasks run in-process (eager)."""

import os

from celery import Celery, signals

from core.metrics import multiprocess

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Connected before the app exists, so it runs before Celery's Django fixup sets Django up: the
# worker's pool processes then count their metrics in one multiprocess directory.
signals.import_modules.connect(multiprocess.on_celery_import_modules, weak=False)

app = Celery("onevonebro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
