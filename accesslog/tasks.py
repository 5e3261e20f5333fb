"""Thin Celery tasks for the access log."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from clinic.circuit import breaker_for

from . import checkpoints, integrity, verified, witnesses

logger = logging.getLogger(__name__)

# A witness that cannot be reached is asked again after 30 s, 1, 2, 4 and 8 minutes; then the
# next checkpoint's consistency proof covers this one.
WITNESS_RETRIES = 5


@shared_task(acks_late=True)
def checkpoint_access_log() -> int | None:
    """Beat, every few minutes: verify the chains that moved, sign a checkpoint and move the
    chains' verification marks to what was verified; then ask the witnesses to co-sign it."""
    run = checkpoints.create_checkpoint()
    if run.checkpoint is None:
        return None
    number = run.checkpoint.number
    transaction.on_commit(lambda: publish_witnessing(number))
    return number


def publish_witnessing(number: int) -> bool:
    """Enqueue `witness_checkpoint` for a committed checkpoint, if witnesses are configured.
    Like every publish from this app it never fails or holds up its caller: a broker that is
    down or hung costs one short timeout, then the circuit breaker answers at once. Without a
    broker (eager Celery) it runs here, once, without retries, each request bounded by
    ACCESS_LOG_WITNESS_TIMEOUT_SECONDS."""
    if not witnesses.configured_witnesses():
        return False
    app = witness_checkpoint.app
    if app.conf.task_always_eager:
        witnesses.witness_checkpoint(number)
        return True
    breaker = breaker_for(app.conf.broker_url)
    if not breaker.allow():
        logger.warning("broker unavailable; checkpoint %s not sent to witnesses", number)
        return False
    try:
        witness_checkpoint.delay(number)
    except Exception:  # kombu raises several transport errors; none may break the checkpoint
        breaker.failed()
        logger.warning("could not enqueue witnessing of checkpoint %s", number)
        return False
    breaker.succeeded()
    return True


@shared_task(bind=True, acks_late=True, max_retries=WITNESS_RETRIES)
def witness_checkpoint(self, number: int) -> int:
    """Send checkpoint `number` to the witnesses that have not answered about it; retry, with
    backoff, those that could not be reached. Returns how many co-signed."""
    run = witnesses.witness_checkpoint(number)
    if run.unreachable and not self.request.is_eager:
        raise self.retry(countdown=30 * 2**self.request.retries)
    return len(run.cosigned)


@shared_task(acks_late=True)
def verify_access_log() -> int:
    """Beat, daily: recompute every chain from its first event and check every checkpoint, so an
    edit older than the last checkpoint (which checkpoints do not recompute) raises an alarm."""
    return len(integrity.verify_log().problems)


@shared_task(acks_late=True)
def verify_new_access_events() -> int:
    """On demand (not in beat: the checkpoint job moves the marks as it verifies): verify the
    links written since each chain's stored mark. Returns how many chains have a broken link."""
    return len(verified.verify_new_events())
