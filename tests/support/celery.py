"""Run the project's Celery app against a real Redis with a real (in-process) worker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from celery.contrib.testing.worker import start_worker
from kombu import pools

from clinic.celery import app


def _reset_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools in a global registry keyed by the connection; without this a
    # second test against the same broker URL gets the pool closed above ("closed pool").
    pools.reset()


@contextlib.contextmanager
def broker(url: str) -> Iterator[None]:
    """Point the app at `url` and stop running tasks eagerly."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    _reset_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_connections()


@contextlib.contextmanager
def worker() -> Iterator[object]:
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=15,
    ) as running:
        yield running
