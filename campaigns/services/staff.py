"""What staff do with messages a dead worker left ``uncertain``."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from campaigns.locks import message_lock_claimed
from campaigns.models import CallTask, Message
from customers.models import Event
from customers.services.events import event_record


class Resolution:
    SENT = "sent"  # the provider confirms it went out
    SEND_AGAIN = "send_again"  # the provider confirms it did not
    GIVE_UP = "give_up"  # not worth sending any more

    ALL = (SENT, SEND_AGAIN, GIVE_UP)


@transaction.atomic
def message_uncertain_resolve(
    *, message_ids: list[int], resolution: str, actor: AbstractBaseUser
) -> int:
    """Settle ``uncertain`` messages after checking with the provider; how many changed.

    Only rows still ``uncertain`` change (locked first, so a late outcome from the worker
    and the staff decision cannot both apply). ``sent`` puts ``message_sent`` on the
    timeline; ``send_again`` makes it due now; ``give_up`` fails it.
    """
    if resolution not in Resolution.ALL:
        raise ValueError(f"Unknown resolution {resolution!r}.")
    ids = [pk for pk, *_ in message_lock_claimed(ids=message_ids, states=[Message.State.UNCERTAIN])]
    now = timezone.now()
    by = f"Settled by {actor.get_username()} at {now:%Y-%m-%d %H:%M} UTC."
    messages = Message.objects.filter(pk__in=ids).select_related("customer").order_by("pk")
    for message in messages:
        if resolution == Resolution.SENT:
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.SENT,
                sent_at=message.handed_at or now,
                reason="",
                reason_detail=by,
            )
            event_record(
                customer=message.customer,
                kind=Event.Kind.MESSAGE_SENT,
                payload={
                    "message_id": message.pk,
                    "state": Message.State.SENT,
                    "channel": message.channel,
                    "purpose": message.purpose,
                    "template_code": message.template_code,
                    "flow": message.flow,
                    "step": message.step,
                    "provider_id": message.provider_id,
                },
                occurred_at=message.handed_at or now,
            )
        elif resolution == Resolution.SEND_AGAIN:
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.PENDING,
                send_at=now,
                claimed_at=None,
                claimed_by="",
                handed_at=None,
                reason="staff_resend",
                reason_detail=by,
            )
        else:
            Message.objects.filter(pk=message.pk).update(
                state=Message.State.FAILED, reason="staff_gave_up", reason_detail=by
            )
    return len(ids)


def call_tasks_done(*, task_ids: list[int], actor: AbstractBaseUser) -> int:
    """Mark open call tasks as called by ``actor``; how many changed (done ones stay as
    they were, so marking twice changes nothing)."""
    return CallTask.objects.filter(pk__in=task_ids, state=CallTask.State.OPEN).update(
        state=CallTask.State.DONE, done_at=timezone.now(), done_by=actor
    )
