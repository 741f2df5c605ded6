"""The Celery app. Broker from CELERY_BROKER_URL; with none set, tasks run in-process (eager)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("onevonebro")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
