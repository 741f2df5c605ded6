"""Run tasks through a real broker for one test, then give eager mode back untouched.

Eager sends still borrow a producer from the app's connection pool, and that pool stays bound
to the broker URL it was built with; a closed pool left in kombu's cache gives "Acquire on
closed pool" to every later test of the same worker. So the pools are reset on the way in and
out.
"""

import contextlib

import redis
from kombu import pools as kombu_pools


def _drop_connection_pools(app) -> None:
    # The app's pools are kombu's process-wide ones, cached per broker URL: closing one in place
    # would hand the closed pool to the next send. reset() closes them and empties the cache.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def real_broker(broker_url: str, **conf):
    """Point the Celery app at ``broker_url`` (not eager) with extra ``conf`` for the block."""
    from config.celery import app

    keys = {"task_always_eager", "broker_url", *conf}
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker_url, **conf)
    _drop_connection_pools(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _drop_connection_pools(app)


def delete_queue(broker_url: str, queue: str) -> None:
    client = redis.Redis.from_url(broker_url)
    try:
        client.delete(queue, f"_kombu.binding.{queue}")
    finally:
        client.close()
