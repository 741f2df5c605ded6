"""Run tasks through a real broker for one test, then give eager mode back untouched.

Eager sends still borrow a producer from the app's connection pool, and that pool stays bound
to the broker URL it was built with; closing it without dropping it leaves "Acquire on closed
pool" for every later test of the same worker. So the pool is dropped on the way in and out.
"""

import contextlib

import redis


def _drop_connection_pools(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
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
