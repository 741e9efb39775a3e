"""Thin Celery tasks of the outbox. Delays are ``Message.send_at``, never countdowns."""

from celery import shared_task
from django.conf import settings

from campaigns.models import Message
from campaigns.services import attribution_consume_all, message_recover_stuck, message_send_due


def _send(task, purpose: str) -> dict:
    summary = message_send_due(
        batch_size=settings.MESSAGE_BATCH_SIZE,
        worker=f"{task.request.hostname or 'local'}:{task.request.id or '-'}",
        purpose=purpose,
    )
    return {"claimed": summary.claimed, **summary.counts}


@shared_task(name="campaigns.tasks.send_due_transactional", bind=True)
def send_due_transactional(self) -> dict:
    """Beat job and on-commit nudge, on the transactional queue: one batch of due service
    messages. Safe to run twice (claims skip rows another run holds)."""
    return _send(self, Message.Purpose.TRANSACTIONAL)


@shared_task(name="campaigns.tasks.send_due_marketing", bind=True)
def send_due_marketing(self) -> dict:
    """Beat job and on-commit nudge: one batch of due marketing messages. Safe to run twice."""
    return _send(self, Message.Purpose.MARKETING)


@shared_task(name="campaigns.tasks.recover_stuck")
def recover_stuck() -> dict:
    """Beat job, every minute: rows a dead worker left in ``sending``."""
    return message_recover_stuck()


@shared_task(name="campaigns.tasks.attribution_consume")
def attribution_consume() -> int:
    """Beat job, every minute: attribute the orders placed since the last run. Safe to
    overlap (the consumer's cursor moves once, conditionally)."""
    return attribution_consume_all()


@shared_task(name="campaigns.tasks.flows_consume")
def flows_consume() -> int:
    """Beat job: enrol customers from the new timeline events. Safe to overlap."""
    from campaigns.flows.engine import flows_consume_all

    return flows_consume_all()


@shared_task(name="campaigns.tasks.flows_advance")
def flows_advance() -> dict:
    """Beat job: run the due steps of the flows, batch by batch, until none is due."""
    from campaigns.flows.engine import flows_advance as advance

    counts: dict[str, int] = {}
    while True:
        summary = advance(batch_size=settings.MESSAGE_BATCH_SIZE)
        for outcome, count in summary.counts.items():
            counts[outcome] = counts.get(outcome, 0) + count
        if summary.claimed < settings.MESSAGE_BATCH_SIZE:
            return counts
