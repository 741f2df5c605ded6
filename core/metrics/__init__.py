"""Prometheus metrics, on prometheus_client and django-prometheus (README, Metrics).

``exposition`` renders a scrape (the whole process group in multiprocess mode) for ``/metrics``
and for the worker's and consumer's metrics ports; ``access`` is who may read it; ``middleware``
serves ``/metrics`` and labels the HTTP metrics; ``cache`` counts cache hits and misses;
``tasks`` counts Celery tasks; ``multiprocess`` prepares prometheus_client's multiprocess
directory for the servers that fork. Metrics of a component are defined beside it
(``events.metrics``, ``ranking.metrics``).

This package imports nothing at the top, so that ``config.celery`` can import ``multiprocess``
before prometheus_client is first imported.
"""
