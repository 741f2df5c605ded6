"""gunicorn settings of the Procfile's web process: ``gunicorn -c config/gunicorn.py …``.

Metrics: every worker writes to one prometheus_client multiprocess directory, emptied when the
master starts (``PROMETHEUS_MULTIPROC_DIR``, or a private temporary one), so ``/metrics`` adds
up all workers, including those already replaced.
"""

from core.metrics import multiprocess


def on_starting(server):
    multiprocess.prepare_directory("web")


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
