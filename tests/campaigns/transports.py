"""A recording transport for the outbox tests (the real transports live in config/transports).

Sends land in ``SENT`` (module level, so a worker subprocess's sends can be inspected by
the test through the files it writes instead: see ``FileRecordingTransport``). ``FAIL``
makes the next sends raise: ``FAIL.append(TransientSendError("429"))``.
"""

import os
import time
import uuid
from pathlib import Path

from config.transports import OutgoingMessage, SendResult, Transport

SENT: list[OutgoingMessage] = []
FAIL: list[Exception] = []


class RecordingTransport(Transport):
    honours_idempotency_key = False

    def send(self, message: OutgoingMessage) -> SendResult:
        if FAIL:
            raise FAIL.pop(0)
        SENT.append(message)
        return SendResult(provider_id=f"rec-{len(SENT)}")


class IdempotentRecordingTransport(RecordingTransport):
    honours_idempotency_key = True


class FileRecordingTransport(Transport):
    """Appends one line per send to ``$OUTBOX_SENT_LOG`` (a worker process's sends, seen by
    the test process); sleeps ``$OUTBOX_SEND_SLEEP`` seconds first."""

    honours_idempotency_key = False

    def send(self, message: OutgoingMessage) -> SendResult:
        time.sleep(float(os.environ.get("OUTBOX_SEND_SLEEP", "0")))
        log = Path(os.environ["OUTBOX_SENT_LOG"])
        with log.open("a") as sent:
            sent.write(f"{message.idempotency_key}\n")
            sent.flush()
            os.fsync(sent.fileno())
        return SendResult(provider_id=uuid.uuid4().hex)


class NullTransport(Transport):
    def send(self, message: OutgoingMessage) -> SendResult:
        return SendResult(provider_id="null")
