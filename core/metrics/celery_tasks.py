"""Celery: tasks by name and outcome and their run time, counted in whichever process runs them
(a pool process of the worker, or the web process when tasks run eagerly); and the worker's
metrics port (``WORKER_METRICS_PORT``), served by the worker's main process for all of its pool
processes (multiprocess mode, ``core.metrics.multiprocess``)."""

import logging
import threading
import time

from celery import signals
from django.conf import settings
from prometheus_client import Counter, Histogram

from core.metrics import exposition, multiprocess

logger = logging.getLogger(__name__)

TASKS = Counter(
    "celery_tasks_total",
    "Celery tasks run, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "celery_task_duration_seconds",
    "Run time of Celery tasks by task name, whatever the outcome.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
# An eager task that raises (CELERY_TASK_EAGER_PROPAGATES) ends with no state at all.
_OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", None: "failed", "RETRY": "retried"}

_started: dict[str, float] = {}
_lock = threading.Lock()
_servers: list = []


def _on_prerun(task_id=None, **_kwargs) -> None:
    with _lock:
        _started[task_id] = time.perf_counter()


def _on_postrun(task_id=None, task=None, state=None, **_kwargs) -> None:
    with _lock:
        started = _started.pop(task_id, None)
    name = getattr(task, "name", None) or "unknown"
    TASKS.labels(name, _OUTCOMES.get(state, "other")).inc()
    if started is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)


def _on_pool_process_exit(pid=None, **_kwargs) -> None:
    multiprocess.mark_process_dead(pid)  # its live gauges go; its counters stay counted


def _on_worker_ready(**_kwargs) -> None:
    port, addr = settings.WORKER_METRICS_PORT, settings.METRICS_BIND
    if not port:
        return
    try:
        _servers.append(exposition.serve(port=port, addr=addr))
    except OSError as exc:
        logger.error("Worker metrics: cannot listen on %s:%s (%s); not served", addr, port, exc)
        return
    logger.info("Worker metrics on http://%s:%s/metrics", addr, port)


def _on_worker_shutdown(**_kwargs) -> None:
    while _servers:
        server = _servers.pop()
        server.shutdown()
        server.server_close()


def connect() -> None:
    """Connect the signal handlers (``CoreConfig.ready``: in every process that may run tasks)."""
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="core.metrics.prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="core.metrics.postrun")
    signals.worker_process_shutdown.connect(
        _on_pool_process_exit, weak=False, dispatch_uid="core.metrics.pool_exit"
    )
    signals.worker_ready.connect(_on_worker_ready, weak=False, dispatch_uid="core.metrics.ready")
    signals.worker_shutdown.connect(
        _on_worker_shutdown, weak=False, dispatch_uid="core.metrics.shutdown"
    )
