"""prometheus_client's multiprocess mode for the servers that fork workers (gunicorn, the
prefork Celery worker): each process writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``
and a scrape adds them up, so every worker's requests and tasks are counted whichever process
answers the scrape.

The variable must be set before prometheus_client is first imported (it picks its value class at
import), so this module imports prometheus_client only inside functions, and the parent process
calls ``prepare_directory`` before any child exists: from gunicorn's ``on_starting`` hook
(``config/gunicorn.py``) and from Celery's ``import_modules`` signal (``config/celery.py``), which
the worker sends before it sets Django up.
"""

import atexit
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"

logger = logging.getLogger(__name__)

_private: dict[str, int] = {}  # directory we created -> pid of the process that owns it


def prepare_directory(kind: str) -> str | None:
    """Give this process group a clean metrics directory and return it.

    ``PROMETHEUS_MULTIPROC_DIR`` when set (emptied of the files a previous run left, whose
    counters would otherwise be added to this run's); otherwise a private temporary directory,
    removed when this process exits. None when it is too late (prometheus_client is imported
    already and no directory was set): the process then counts in memory only."""
    path = os.environ.get(ENV, "")
    if not path:
        if "prometheus_client" in sys.modules:
            logger.warning(
                "%s: prometheus_client was imported before %s was set; metrics of child "
                "processes will not be added up",
                kind,
                ENV,
            )
            return None
        path = tempfile.mkdtemp(prefix=f"1v1bro-metrics-{kind}-")
        os.environ[ENV] = path
        _private[path] = os.getpid()
        atexit.register(remove_private_directory)
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


def remove_private_directory() -> None:
    """Delete the temporary directory ``prepare_directory`` created, in the process that created
    it only (forked children inherit the atexit hook and must leave it alone)."""
    for path, owner in list(_private.items()):
        if owner == os.getpid():
            shutil.rmtree(path, ignore_errors=True)
            _private.pop(path, None)


def mark_process_dead(pid: int) -> None:
    """Drop a dead child's live gauges (gunicorn's ``child_exit``); its counters stay counted."""
    if os.environ.get(ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def on_celery_import_modules(**_kwargs) -> None:
    """Celery's ``import_modules`` signal: sent by the worker (and beat) before Django is set up."""
    prepare_directory("celery")
