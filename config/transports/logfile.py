"""Development transports: SMS, Zalo and Messenger appended to a log file, one JSON line each.

``make run`` needs no provider account: these stand in for the real transports and apply
the same checks first (a valid phone, a ZNS template id, Messenger's 24-hour rule), so a
message refused in production is refused here too. The file is ``MESSAGE_LOG_FILE``
(``var/messages.log``); ``tail -f`` it to watch messages go out.
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from config.transports.base import (
    Channel,
    OutgoingMessage,
    SendResult,
    Transport,
    TransportHealth,
)
from config.transports.messenger import messenger_delivery
from config.transports.sms import validate_sms
from config.transports.zalo import validate_zns

_write_lock = threading.Lock()


def message_record(message: OutgoingMessage, **extra) -> dict:
    """What the log (and the in-memory transports) keep of a message."""
    record = {
        "channel": str(message.channel),
        "to": message.to,
        "purpose": message.purpose,
        "idempotency_key": message.idempotency_key,
        "body": message.body,
    }
    if message.template_id:
        record["template_id"] = message.template_id
        record["template_data"] = dict(message.template_data)
    record.update(extra)
    return record


def validate(channel: str, message: OutgoingMessage) -> dict:
    """The real transport's checks for ``channel``; returns what they decided, for the log."""
    if channel == Channel.SMS:
        return {"phone": validate_sms(message)}
    if channel == Channel.ZALO:
        return {"phone": validate_zns(message)}
    if channel == Channel.MESSENGER:
        return messenger_delivery(message)
    return {}


class MessageLogTransport(Transport):
    # Like the real providers: the outbox must behave in development as it will in production.
    honours_idempotency_key = False

    @property
    def path(self) -> Path:
        return Path(settings.MESSAGE_LOG_FILE)

    def check(self) -> TransportHealth:
        return TransportHealth(ok=True, detail=f"development: appended to {self.path}")

    def send(self, message: OutgoingMessage) -> SendResult:
        decided = validate(self.channel, message)
        provider_id = f"log-{uuid.uuid4().hex}"
        line = json.dumps(
            message_record(
                message, at=timezone.now().isoformat(), provider_id=provider_id, **decided
            ),
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _write_lock, self.path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
        return SendResult(provider_id=provider_id)


class LogSmsTransport(MessageLogTransport):
    channel = Channel.SMS


class LogZaloTransport(MessageLogTransport):
    channel = Channel.ZALO


class LogMessengerTransport(MessageLogTransport):
    channel = Channel.MESSENGER
