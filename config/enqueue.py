"""Starting a Celery task after the transaction commits, without ever failing the request.

Checkout never waits for Redis (DESIGN.md, invariant 9): the row that says "this job is
due" (an event, a message, a queued status) is committed first, and the task is only a
nudge for low latency. When the broker does not answer, publishing gives up after
``CELERY_TASK_PUBLISH_RETRY_POLICY`` (a second at most), the failure is logged and the
request goes on; the beat job that sweeps those rows picks the work up when Redis is back.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is away: kombu wraps connection errors in its
# OperationalError; a Redis error can surface unwrapped from the result backend.
BROKER_UNAVAILABLE = (KombuOperationalError, RedisError, ConnectionError, TimeoutError, OSError)


def enqueue(task, *args, **kwargs) -> bool:
    """Publish ``task`` now; ``False`` (logged) when the broker cannot take it."""
    try:
        # Nobody waits for a nudge's result: not subscribing to it keeps the result
        # backend (the same Redis) out of the request.
        task.apply_async(args=args, kwargs=kwargs, ignore_result=True)
    except BROKER_UNAVAILABLE as error:
        logger.warning(
            "task not enqueued, beat's sweep will run it",
            extra={"task": task.name, "error": type(error).__name__},
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish ``task`` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
