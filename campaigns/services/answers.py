"""A provider's answer to one message: calling its transport, and what the answer does to
the row (sent, failed with the provider's words, retried with backoff, or uncertain)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from campaigns.gates import messenger_last_inbound_at
from campaigns.models import Message
from config.transports import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    transport_for,
)

logger = logging.getLogger(__name__)

# Messenger outside the 24 h window: only this non-promotional tag.
MESSENGER_SERVICE_TAG = "POST_PURCHASE_UPDATE"


class FailReason:
    PROVIDER_REJECTED = "provider_rejected"
    RETRIES_EXHAUSTED = "retries_exhausted"
    TRANSIENT = "transient"
    WORKER_LOST = "worker_lost"
    TRANSPORT_ERROR = "transport_error"


@dataclass(frozen=True)
class ProviderAnswer:
    provider_id: str = ""
    error: Exception | None = None
    honours_key: bool = False


def provider_call(message: Message, now: datetime) -> ProviderAnswer:
    try:
        transport = transport_for(message.channel)
    except ImproperlyConfigured as error:
        # Nothing was handed over: safe to retry once the setting is fixed.
        return ProviderAnswer(error=TransientSendError(str(error)))
    try:
        result = transport.send(_outgoing(message, now))
    except Exception as error:  # classified when recorded
        if not isinstance(error, PermanentSendError | TransientSendError):
            logger.exception("Transport for %s raised on message %s", message.channel, message.pk)
        return ProviderAnswer(
            error=error, honours_key=getattr(transport, "honours_idempotency_key", False)
        )
    return ProviderAnswer(provider_id=result.provider_id)


def answer_changes(
    message: Message, answer: ProviderAnswer, now: datetime
) -> tuple[str, dict, str]:
    """(outcome, the row's new values, the failure reason) for a provider's answer."""
    error = answer.error
    if error is None:
        message.provider_id = answer.provider_id
        return (
            Message.State.SENT,
            dict(
                state=Message.State.SENT,
                provider_id=answer.provider_id,
                sent_at=now,
                reason="",
                reason_detail="",
            ),
            "",
        )
    if isinstance(error, PermanentSendError):
        return _failed(FailReason.PROVIDER_REJECTED, error.reason)
    if isinstance(error, TransientSendError):
        return _transient(message, error.reason, now)
    # A bug or a misconfiguration, not the provider's answer: the message may have left.
    detail = f"{type(error).__name__}: {error}"
    if answer.honours_key:
        return _transient(message, detail, now)
    return (
        Message.State.UNCERTAIN,
        dict(
            state=Message.State.UNCERTAIN,
            reason=FailReason.TRANSPORT_ERROR,
            reason_detail=detail[:2000],
        ),
        "",
    )


def _failed(reason: str, detail: str) -> tuple[str, dict, str]:
    fields = dict(state=Message.State.FAILED, reason=reason, reason_detail=detail[:2000])
    return Message.State.FAILED, fields, reason


def _transient(message: Message, detail: str, now: datetime) -> tuple[str, dict, str]:
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        return _failed(FailReason.RETRIES_EXHAUSTED, detail)
    fields = dict(
        state=Message.State.PENDING,
        send_at=now + retry_delay(message.attempts),
        reason=FailReason.TRANSIENT,
        reason_detail=detail[:2000],
        claimed_at=None,
        claimed_by="",
        handed_at=None,
    )
    return Message.State.PENDING, fields, ""


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


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … times the base delay after the 1st, 2nd, 3rd … attempt, capped."""
    seconds = settings.MESSAGE_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MESSAGE_RETRY_MAX_SECONDS))


def verdict_changes(message: Message, verdict) -> dict:
    """A gate's verdict (skipped or deferred) as the row's new values."""
    fields = dict(
        state=verdict.state,
        reason=verdict.reason,
        reason_detail=verdict.detail,
        address=message.address,
    )
    if verdict.state == Message.State.DEFERRED:
        fields.update(send_at=verdict.send_at, claimed_at=None, claimed_by="", handed_at=None)
    return fields


def event_payload(message: Message, state: str, **extra) -> dict:
    """The ``message_sent`` timeline event's payload for a message's outcome."""
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
