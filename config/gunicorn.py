"""gunicorn settings of the ``web`` process (Procfile: ``gunicorn -c config/gunicorn.py``).

Request limits: they sit above the service's own (``core.middleware``: a URL of 4096 bytes, a
header of 8192 bytes, 100 headers), so a request over those reaches Django and is answered
in the JSON envelope (414 ``URI_TOO_LONG`` / 431 ``REQUEST_HEADERS_TOO_LARGE``), never with
gunicorn's HTML error page. Only a request line over 8190 bytes (gunicorn's hard maximum) or
a header over 16 KiB is refused by gunicorn itself.

Metrics: every worker writes to one prometheus_client multiprocess directory, emptied when the
master starts (``PROMETHEUS_MULTIPROC_DIR``, or a private temporary one), so ``/metrics`` adds
up all workers, including those already replaced. No access log: ``core.requests`` logs each
request once.
"""

import os

from core.metrics import multiprocess

wsgi_app = "config.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Workers and threads. Each worker is one process with its own interpreter: requests are mostly
# Python work (serializers, JWT checks) under the GIL, so throughput grows with processes, about
# one per core (WEB_CONCURRENCY, default 2). WEB_THREADS > 1 switches to gthread workers: threads
# overlap waits on PostgreSQL and Redis, not CPU work; each thread keeps its own persistent
# database connection (DB_CONN_MAX_AGE), so workers x threads connections stay open.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

limit_request_line = 8190  # the most gunicorn allows
limit_request_fields = 200
limit_request_field_size = 16384


def on_starting(server):
    multiprocess.prepare_directory("web")


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
