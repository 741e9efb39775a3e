"""The sweep for rows a dead worker left in ``sending`` (see :mod:`campaigns.services.sending`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.locks import message_lock_stuck
from campaigns.models import Message
from campaigns.services.answers import FailReason
from config.transports import transport_for


@transaction.atomic(durable=True)
def message_recover_stuck(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The sweep for rows a dead worker left in ``sending``.

    Never handed to a provider → ``pending`` again. Handed over → resent (``pending``) only
    if the channel's transport de-duplicates on our idempotency key; otherwise
    ``uncertain``, for staff to check with the provider: never sent twice blindly.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS)
    ids = message_lock_stuck(cutoff=cutoff, limit=limit)
    counts = {Message.State.PENDING: 0, Message.State.UNCERTAIN: 0}
    for message in Message.objects.filter(pk__in=ids).order_by("id"):
        if message.handed_at is None or _honours_key(message.channel):
            # Its send_at is already past: the next claim takes it.
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.PENDING,
                claimed_at=None,
                claimed_by="",
                handed_at=None,
                reason="recovered",
                reason_detail=f"Recovered from {message.claimed_by or 'a worker'} that stopped.",
            )
            counts[Message.State.PENDING] += 1
        else:
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.UNCERTAIN,
                reason=FailReason.WORKER_LOST,
                reason_detail=(
                    f"{message.claimed_by or 'A worker'} stopped after handing it to the "
                    "provider; check with the provider before sending again."
                ),
            )
            counts[Message.State.UNCERTAIN] += 1
    return {str(state): count for state, count in counts.items()}


def _honours_key(channel: str) -> bool:
    try:
        return transport_for(channel).honours_idempotency_key
    except Exception:  # no transport configured: assume the worst
        return False
