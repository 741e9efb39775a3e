"""Sending due messages: claim, re-check the gates, hand over, record — never twice.

The steps and why they are separate:

1. *Claim* (one short transaction): lock due rows with ``SKIP LOCKED`` and mark them
   ``sending`` with ``claimed_at``/``claimed_by``. Other workers skip them at once.
2. *Gates*, per message, just before sending: a ``skipped``/``deferred`` verdict is
   recorded and the provider is never called.
3. *Hand-off* (autocommit): ``handed_at`` and ``attempts`` are written **before** the
   provider is called, conditionally on the claim still being ours. A row in ``sending``
   without ``handed_at`` was certainly never given to a provider.
4. *Provider call*, outside any transaction (a slow provider holds no lock or connection
   state).
5. *Outcome* (one transaction): the row's state and a timeline event commit together.

A worker killed between 3 and 5 leaves a row ``sending`` with ``handed_at``: the sweep
(:func:`message_recover_stuck`) resends it only if the transport de-duplicates on our
idempotency key, otherwise marks it ``uncertain`` for staff. Killed before 3: back to
``pending``, since nothing was sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.gates import gate_check, messenger_last_inbound_at
from campaigns.locks import message_lock_due, message_lock_stuck
from campaigns.models import Message
from campaigns.selectors import contact_address
from config.transports import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    transport_for,
)
from customers.models import Event
from customers.services.events import event_record

logger = logging.getLogger(__name__)

# Messenger outside the 24 h window: only this non-promotional tag.
MESSENGER_SERVICE_TAG = "POST_PURCHASE_UPDATE"


class FailReason:
    PROVIDER_REJECTED = "provider_rejected"
    RETRIES_EXHAUSTED = "retries_exhausted"
    TRANSIENT = "transient"
    WORKER_LOST = "worker_lost"
    TRANSPORT_ERROR = "transport_error"


@dataclass
class SendSummary:
    claimed: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def message_claim_due(*, batch_size: int, worker: str, purpose: str, now=None) -> list[Message]:
    """Claim up to ``batch_size`` due messages of ``purpose`` for ``worker`` (own transaction)."""
    now = now or timezone.now()
    # Durable: the claim must be committed before any provider is called, or another
    # worker could not see that these rows are taken once our locks are released.
    with transaction.atomic(durable=True):
        ids = message_lock_due(purpose=purpose, now=now, limit=batch_size)
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(
            state=Message.State.SENDING, claimed_at=now, claimed_by=worker, handed_at=None
        )
    return list(
        Message.objects.filter(pk__in=ids).select_related("customer").order_by("send_at", "id")
    )


def message_send_due(*, batch_size: int, worker: str, purpose: str | None = None) -> SendSummary:
    """Claim a batch of due messages and send each; transactional ones first.

    ``purpose`` limits the claim to one purpose (each has its own Celery queue). Returns
    how many were claimed and how each ended (sent, failed, skipped, deferred, pending,
    uncertain, lost: taken by another worker after our claim expired).
    """
    purposes = [purpose] if purpose else [Message.Purpose.TRANSACTIONAL, Message.Purpose.MARKETING]
    summary = SendSummary()
    remaining = batch_size
    for each in purposes:
        if remaining <= 0:
            break
        messages = message_claim_due(batch_size=remaining, worker=worker, purpose=each)
        remaining -= len(messages)
        summary.claimed += len(messages)
        for message in messages:
            summary.add(message_send_claimed(message=message))
    return summary


def _same_claim(message: Message):
    return Message.objects.filter(
        pk=message.pk,
        state=Message.State.SENDING,
        claimed_by=message.claimed_by,
        claimed_at=message.claimed_at,
    )


def _outgoing(message: Message, now: datetime) -> OutgoingMessage:
    messenger_tag, last_inbound_at = "", None
    if message.channel == Channel.MESSENGER:
        last_inbound_at = messenger_last_inbound_at(customer=message.customer)
        window = timedelta(hours=settings.MESSAGE_MESSENGER_WINDOW_HOURS)
        if last_inbound_at is None or now - last_inbound_at > window:
            messenger_tag = MESSENGER_SERVICE_TAG
    return OutgoingMessage(
        channel=message.channel,
        to=message.address,
        body=message.body,
        idempotency_key=message.idempotency_key,
        purpose=message.purpose,
        subject=message.subject,
        html=message.html,
        headers=dict(message.headers or {}),
        template_id=message.provider_template_id,
        template_data=dict(message.template_data or {}),
        messenger_tag=messenger_tag,
        last_inbound_at=last_inbound_at,
    )


def message_send_claimed(*, message: Message) -> str:
    """Gate, hand over and record one message this worker has claimed; the outcome state."""
    now = timezone.now()
    if not message.address:
        # The customer may have given an address since the message was scheduled.
        address = contact_address(customer=message.customer, channel=message.channel)
        if address:
            _same_claim(message).update(address=address)
            message.address = address
    verdict = gate_check(message=message, now=now)
    if verdict is not None:
        return _record_verdict(message, verdict)

    # Hand-off marker first, committed on its own: from here on the provider may have it.
    if not _same_claim(message).update(handed_at=now, attempts=F("attempts") + 1):
        return "lost"
    message.attempts += 1
    transport = None
    try:
        transport = transport_for(message.channel)
        result = transport.send(_outgoing(message, now))
    except PermanentSendError as error:
        return _record_failed(message, FailReason.PROVIDER_REJECTED, error.reason)
    except TransientSendError as error:
        return _record_transient(message, error.reason)
    except Exception as error:  # a bug or a misconfiguration, not the provider's answer
        logger.exception("Transport for %s raised on message %s", message.channel, message.pk)
        if getattr(transport, "honours_idempotency_key", False):
            return _record_transient(message, f"{type(error).__name__}: {error}")
        return _record_uncertain(message, f"{type(error).__name__}: {error}")
    return _record_sent(message, result.provider_id)


def _event_payload(message: Message, state: str, **extra) -> dict:
    return {
        "message_id": message.pk,
        "state": state,
        "channel": message.channel,
        "purpose": message.purpose,
        "template_code": message.template_code,
        "flow": message.flow,
        "step": message.step,
        **extra,
    }


def _record_sent(message: Message, provider_id: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        # Also when the sweep marked it uncertain meanwhile: we know better now.
        updated = Message.objects.filter(
            pk=message.pk,
            state__in=[Message.State.SENDING, Message.State.UNCERTAIN],
            claimed_by=message.claimed_by,
            claimed_at=message.claimed_at,
        ).update(
            state=Message.State.SENT,
            provider_id=provider_id,
            sent_at=now,
            reason="",
            reason_detail="",
        )
        if updated:
            event_record(
                customer=message.customer,
                kind=Event.Kind.MESSAGE_SENT,
                payload=_event_payload(message, Message.State.SENT, provider_id=provider_id),
                occurred_at=now,
            )
    return Message.State.SENT if updated else "lost"


def _record_failed(message: Message, reason: str, detail: str) -> str:
    with transaction.atomic():
        updated = _same_claim(message).update(
            state=Message.State.FAILED, reason=reason, reason_detail=detail[:2000]
        )
        if updated:
            event_record(
                customer=message.customer,
                kind=Event.Kind.MESSAGE_SENT,
                payload=_event_payload(message, Message.State.FAILED, reason=reason),
            )
    return Message.State.FAILED if updated else "lost"


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … times the base delay after the 1st, 2nd, 3rd … attempt, capped."""
    seconds = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MESSAGE_RETRY_MAX_SECONDS))


def _record_transient(message: Message, detail: str) -> str:
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        return _record_failed(message, FailReason.RETRIES_EXHAUSTED, detail)
    updated = _same_claim(message).update(
        state=Message.State.PENDING,
        send_at=timezone.now() + retry_delay(message.attempts),
        reason=FailReason.TRANSIENT,
        reason_detail=detail[:2000],
        claimed_at=None,
        claimed_by="",
        handed_at=None,
    )
    return Message.State.PENDING if updated else "lost"


def _record_uncertain(message: Message, detail: str) -> str:
    updated = _same_claim(message).update(
        state=Message.State.UNCERTAIN, reason=FailReason.WORKER_LOST, reason_detail=detail[:2000]
    )
    return Message.State.UNCERTAIN if updated else "lost"


def _record_verdict(message: Message, verdict) -> str:
    fields = dict(state=verdict.state, reason=verdict.reason, reason_detail=verdict.detail)
    if verdict.state == Message.State.DEFERRED:
        fields.update(send_at=verdict.send_at, claimed_at=None, claimed_by="", handed_at=None)
    updated = _same_claim(message).update(**fields)
    return verdict.state if updated else "lost"


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
