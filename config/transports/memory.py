"""In-memory transports for tests, like Django's locmem email backend and ``mail.outbox``.

Every accepted message (email included) is appended to :data:`outbox` (the test suite
empties it before each test). A test makes the next send on a channel fail with :func:`fail_next`::

    from config.transports import memory
    memory.fail_next("sms", TransientSendError("gateway answered 503"))

They run the real transports' checks first (valid phone, ZNS template id, Messenger's
24-hour rule), so what is refused in production is refused in tests.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from config.transports.base import (
    Channel,
    OutgoingMessage,
    SendError,
    SendResult,
    Transport,
    TransportHealth,
)
from config.transports.email import EmailTransport, validate_email_message
from config.transports.logfile import validate


@dataclass(frozen=True)
class Sent:
    message: OutgoingMessage
    provider_id: str


outbox: list[Sent] = []
_failures: dict[str, deque[SendError]] = defaultdict(deque)
_counter = itertools.count(1)
_lock = threading.Lock()


def fail_next(channel: str, error: SendError, *, times: int = 1) -> None:
    """Make the next ``times`` sends on ``channel`` raise ``error`` (nothing recorded)."""
    with _lock:
        _failures[str(channel)].extend([error] * times)


def reset() -> None:
    with _lock:
        outbox.clear()
        _failures.clear()


def sent_on(channel: str) -> list[OutgoingMessage]:
    return [sent.message for sent in outbox if sent.message.channel == channel]


def _queued_failure(channel: str) -> SendError | None:
    with _lock:
        queued = _failures.get(str(channel))
        return queued.popleft() if queued else None


class MemoryTransport(Transport):
    # Like the real providers (none de-duplicates on our key); a test of the other case
    # sets it True on the class with monkeypatch.
    honours_idempotency_key = False

    def check(self) -> TransportHealth:
        return TransportHealth(ok=True, detail="tests: kept in memory")

    def send(self, message: OutgoingMessage) -> SendResult:
        validate(self.channel, message)
        failure = _queued_failure(self.channel)
        if failure is not None:
            raise failure
        result = SendResult(provider_id=f"memory-{self.channel}-{next(_counter)}")
        with _lock:
            outbox.append(Sent(message=message, provider_id=result.provider_id))
        return result


class MemoryEmailTransport(EmailTransport):
    """The real email transport (over ``EMAIL_BACKEND``, locmem in tests: ``mail.outbox``)
    that also records into :data:`outbox` and obeys :func:`fail_next`."""

    def send(self, message: OutgoingMessage) -> SendResult:
        validate_email_message(message)
        failure = _queued_failure(self.channel)
        if failure is not None:
            raise failure
        result = super().send(message)
        with _lock:
            outbox.append(Sent(message=message, provider_id=result.provider_id))
        return result


class MemorySmsTransport(MemoryTransport):
    channel = Channel.SMS


class MemoryZaloTransport(MemoryTransport):
    channel = Channel.ZALO


class MemoryMessengerTransport(MemoryTransport):
    channel = Channel.MESSENGER
