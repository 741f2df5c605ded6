"""One scrape: this process group's metrics plus collectors computed at scrape time.

In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set) the metrics are the sum over every process
writing to that directory; otherwise they are this process's default registry. "State"
collectors read current state when scraped (outbox backlog, leaderboards): apps register them in
their ``AppConfig.ready`` and only the web processes' ``/metrics`` runs them (one exporter per
deployment is enough, and the worker and consumer stay off the database while scraped).

``serve`` runs the worker's and the consumer's metrics port: a small threaded WSGI server
answering ``GET /metrics`` with the same access rule as the web's ``/metrics``.
"""

import json
import logging
import os
import socket
import threading
from collections.abc import Iterable
from http import HTTPStatus
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import ThreadingWSGIServer

from core.exceptions import envelope
from core.metrics import access
from core.metrics.multiprocess import ENV

logger = logging.getLogger(__name__)

_state_collectors: list = []


def register_state_collector(collector) -> None:
    """Add a collector (an object with ``collect()``) to the web processes' ``/metrics``."""
    if collector not in _state_collectors:
        _state_collectors.append(collector)


def state_collectors() -> list:
    return list(_state_collectors)


def process_registry():
    """The metrics of every process of this group (multiprocess mode), or of this process."""
    if os.environ.get(ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


class _Scrape:
    """The registry and the extra collectors, as one source for ``generate_latest``."""

    def __init__(self, sources: Iterable):
        self.sources = list(sources)

    def collect(self):
        for source in self.sources:
            try:
                yield from source.collect()
            except Exception as exc:  # noqa: BLE001 - one broken collector must not fail the scrape
                logger.warning("Metrics collector %s failed: %s", type(source).__name__, exc)


def render(extra: Iterable = ()) -> bytes:
    """The Prometheus text exposition of one scrape."""
    return generate_latest(_Scrape([process_registry(), *extra]))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # scrapes every few seconds: no access log
        pass


class _Server6(ThreadingWSGIServer):
    address_family = socket.AF_INET6


def _metrics_app(extra: list):
    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            return _answer(start_response, 404, "NOT_FOUND", "Metrics are at /metrics.")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(
                start_response, 405, "METHOD_NOT_ALLOWED", "Use GET.", {"Allow": "GET, HEAD"}
            )
        denied = access.check(environ)
        if denied is not None:
            return _answer(
                start_response, denied.status, denied.code, denied.message, denied.headers
            )
        body = render(extra)
        start_response(
            "200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store")]
        )
        return [body]

    return app


def _answer(start_response, status: int, code: str, message: str, headers=None):
    body = json.dumps(envelope(code, message)).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), *(headers or {}).items()],
    )
    return [body]


def serve(*, port: int, addr: str, extra: Iterable = ()):
    """Serve ``/metrics`` on ``addr:port`` from a daemon thread; returns the server
    (``shutdown()`` stops it). Raises ``OSError`` when the port is taken."""
    server_class = _Server6 if ":" in addr else ThreadingWSGIServer
    server = make_server(
        addr,
        port,
        _metrics_app(list(extra)),
        server_class=server_class,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics-server", daemon=True)
    thread.start()
    return server
