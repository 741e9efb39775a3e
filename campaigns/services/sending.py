"""Sending due messages: claim, re-check the gates, hand over, record — never twice.

The steps and why they are separate:

1. *Claim* (one short transaction): lock due rows with ``SKIP LOCKED`` and mark them
   ``sending`` with ``claimed_at``/``claimed_by``. Other workers skip them at once.
2. *Gates*, per message, just before sending: a ``skipped``/``deferred`` verdict is
   recorded and the provider is never called.
3. *Hand-off* (one transaction per chunk of ``MESSAGE_HANDOFF_CHUNK`` messages):
   ``handed_at`` and ``attempts`` are committed **before** the provider is called, for
   rows whose claim is still ours. A row in ``sending`` without ``handed_at`` was
   certainly never given to a provider.
4. *Provider calls*, outside any transaction (a slow provider holds no lock).
5. *Outcomes* (one transaction per chunk): each row's state and its timeline event
   commit together.

A worker killed between 3 and 5 leaves rows ``sending`` with ``handed_at``: the sweep
(:func:`message_recover_stuck`) resends them only if the transport de-duplicates on our
idempotency key, otherwise marks them ``uncertain`` for staff. Killed before 3: back to
``pending``, since nothing was sent. Chunks trade commits (two per chunk instead of two
per message) against how many rows a crash can leave ``uncertain``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.gates import GateFacts, gate_check, messenger_last_inbound_at
from campaigns.locks import message_lock_claimed, message_lock_due, message_lock_stuck
from campaigns.models import Message
from campaigns.selectors import contact_address
from campaigns.services.scheduling import message_fallback
from config.transports import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    transport_for,
)
from customers.models import Event
from customers.services.events import event_record, event_record_many

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
    uncertain, lost: taken back from this worker after its claim expired).
    """
    purposes = [purpose] if purpose else [Message.Purpose.TRANSACTIONAL, Message.Purpose.MARKETING]
    summary = SendSummary()
    remaining = batch_size
    chunk = settings.MESSAGE_HANDOFF_CHUNK
    for each in purposes:
        if remaining <= 0:
            break
        messages = message_claim_due(batch_size=remaining, worker=worker, purpose=each)
        remaining -= len(messages)
        summary.claimed += len(messages)
        for start in range(0, len(messages), chunk):
            for outcome in message_send_claimed(messages=messages[start : start + chunk]):
                summary.add(outcome)
    return summary


def _still_ours(messages: list[Message], states=(Message.State.SENDING,)) -> set[int]:
    """Lock the rows and keep those still claimed by the claim each message carries."""
    tokens = {message.pk: (message.claimed_by, message.claimed_at) for message in messages}
    return {
        pk
        for pk, claimed_by, claimed_at in message_lock_claimed(ids=list(tokens), states=states)
        if tokens[pk] == (claimed_by, claimed_at)
    }


def message_send_claimed(*, messages: list[Message]) -> list[str]:
    """Gate, hand over and record messages this worker has claimed; each one's outcome.

    Two short transactions per call, whatever the number of messages: one records the
    gates' verdicts and marks the rest handed over (before any provider is called), one
    records the providers' answers with their timeline events. A crash between the two
    leaves at most these messages ``uncertain`` (``MESSAGE_HANDOFF_CHUNK`` bounds them),
    never sent twice.
    """
    now = timezone.now()
    readdressed = set()
    for message in messages:
        if not message.address:
            # The customer may have given an address since the message was scheduled.
            message.address = contact_address(customer=message.customer, channel=message.channel)
            readdressed.add(message.pk)
    facts = GateFacts.load(messages, now)
    verdicts = {
        message.pk: gate_check(message=message, now=now, facts=facts) for message in messages
    }

    outcomes: dict[int, str] = {}
    handed: list[Message] = []
    # Durable: the hand-off marker must be committed before any provider is called.
    with transaction.atomic(durable=True):
        ours = _still_ours(messages)
        for message in messages:
            verdict = verdicts[message.pk]
            if message.pk not in ours:
                outcomes[message.pk] = LOST
            elif verdict is not None:
                outcomes[message.pk] = _record_verdict(message, verdict)
            else:
                handed.append(message)
        # The hand-off marker commits before any provider is called: from here on the
        # provider may have the message, and the sweep will never blindly resend it.
        Message.objects.filter(pk__in=[message.pk for message in handed]).update(
            handed_at=now, attempts=F("attempts") + 1
        )
        for message in handed:
            if message.pk in readdressed:
                Message.objects.filter(pk=message.pk).update(address=message.address)
            message.attempts += 1
            message.handed_at = now

    answers = {message.pk: _call_provider(message, now) for message in handed}

    if handed:
        with transaction.atomic(durable=True):
            # A row the sweep marked uncertain meanwhile is still ours to settle.
            ours = _still_ours(handed, states=(Message.State.SENDING, Message.State.UNCERTAIN))
            sent = []
            for message in handed:
                answer = answers[message.pk]
                if message.pk not in ours:
                    outcomes[message.pk] = LOST
                elif answer.error is None:
                    sent.append((message, answer.provider_id))
                    outcomes[message.pk] = Message.State.SENT
                else:
                    outcomes[message.pk] = _record_answer(message, answer)
            _record_sent(sent)
    return [outcomes[message.pk] for message in messages]


LOST = "lost"


@dataclass(frozen=True)
class _Answer:
    provider_id: str = ""
    error: Exception | None = None
    honours_key: bool = False


def _call_provider(message: Message, now: datetime) -> _Answer:
    try:
        transport = transport_for(message.channel)
    except ImproperlyConfigured as error:
        # Nothing was handed over: safe to retry once the setting is fixed.
        return _Answer(error=TransientSendError(str(error)))
    try:
        result = transport.send(_outgoing(message, now))
    except Exception as error:  # classified when recorded
        if not isinstance(error, PermanentSendError | TransientSendError):
            logger.exception("Transport for %s raised on message %s", message.channel, message.pk)
        return _Answer(
            error=error, honours_key=getattr(transport, "honours_idempotency_key", False)
        )
    return _Answer(provider_id=result.provider_id)


def _record_answer(message: Message, answer: _Answer) -> str:
    error = answer.error
    if isinstance(error, PermanentSendError):
        return _record_failed(message, FailReason.PROVIDER_REJECTED, error.reason)
    if isinstance(error, TransientSendError):
        return _record_transient(message, error.reason)
    # A bug or a misconfiguration, not the provider's answer: the message may have left.
    detail = f"{type(error).__name__}: {error}"
    if answer.honours_key:
        return _record_transient(message, detail)
    return _record_uncertain(message, detail)


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


# The _record_* helpers run inside the caller's transaction, on rows it has locked.


def _record_sent(sent: list[tuple[Message, str]]) -> None:
    """Mark these messages sent (one UPDATE) with a ``message_sent`` event each."""
    if not sent:
        return
    now = timezone.now()
    rows = []
    for message, provider_id in sent:
        message.state, message.provider_id, message.sent_at = Message.State.SENT, provider_id, now
        message.reason = message.reason_detail = ""
        rows.append(message)
    Message.objects.bulk_update(
        rows, ["state", "provider_id", "sent_at", "reason", "reason_detail"]
    )
    event_record_many(
        kind=Event.Kind.MESSAGE_SENT,
        entries=[
            (
                message.customer,
                _event_payload(message, Message.State.SENT, provider_id=provider_id),
            )
            for message, provider_id in sent
        ],
        occurred_at=now,
    )


def _record_failed(message: Message, reason: str, detail: str) -> str:
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.FAILED, reason=reason, reason_detail=detail[:2000]
    )
    # A provider that refuses the message: a flow tries the customer's next channel.
    message_fallback(message=message, reason=reason)
    event_record(
        customer=message.customer,
        kind=Event.Kind.MESSAGE_SENT,
        payload=_event_payload(message, Message.State.FAILED, reason=reason),
    )
    return Message.State.FAILED


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … times the base delay after the 1st, 2nd, 3rd … attempt, capped."""
    seconds = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MESSAGE_RETRY_MAX_SECONDS))


def _record_transient(message: Message, detail: str) -> str:
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        return _record_failed(message, FailReason.RETRIES_EXHAUSTED, detail)
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.PENDING,
        send_at=timezone.now() + retry_delay(message.attempts),
        reason=FailReason.TRANSIENT,
        reason_detail=detail[:2000],
        claimed_at=None,
        claimed_by="",
        handed_at=None,
    )
    return Message.State.PENDING


def _record_uncertain(message: Message, detail: str) -> str:
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.UNCERTAIN,
        reason=FailReason.TRANSPORT_ERROR,
        reason_detail=detail[:2000],
    )
    return Message.State.UNCERTAIN


def _record_verdict(message: Message, verdict) -> str:
    fields = dict(
        state=verdict.state,
        reason=verdict.reason,
        reason_detail=verdict.detail,
        address=message.address,
    )
    if verdict.state == Message.State.DEFERRED:
        fields.update(send_at=verdict.send_at, claimed_at=None, claimed_by="", handed_at=None)
    Message.objects.filter(pk=message.pk).update(**fields)
    if verdict.state == Message.State.SKIPPED:
        # Not allowed on this channel (no address, no consent, …): the next one down.
        message_fallback(message=message, reason=verdict.reason)
    return verdict.state


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
