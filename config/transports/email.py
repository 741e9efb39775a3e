"""Email through Django's email backends: SMTP, django-anymail's ESPs, files, memory.

``EMAIL_BACKEND`` picks the backend (SMTP settings ``EMAIL_HOST``/``EMAIL_PORT``/…, or
``anymail.backends.<esp>.EmailBackend`` with ``ANYMAIL``). This transport builds the
message — text body, optional HTML alternative, the caller's headers (``List-Unsubscribe``,
``List-Unsubscribe-Post``) — and gives it a ``Message-ID`` derived from our idempotency key
(plus the key itself in ``X-Tiem-Idempotency-Key``), so a copy sent twice by accident is
recognisable as the same message by mail clients and by us. The provider id is anymail's
``message_id`` when the backend is an ESP, else that Message-ID.

SMTP answers are sorted by their reply code: 4xx and network trouble are worth another
try, 5xx (recipient refused, message rejected) are not.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.utils import timezone

from config.transports.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
    TransportHealth,
)

IDEMPOTENCY_HEADER = "X-Tiem-Idempotency-Key"


def message_id_for(idempotency_key: str) -> str:
    """A Message-ID that is a function of our key: the same message always has the same."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or "tiem.localhost"
    return f"<{digest}@{domain}>"


def validate_email_message(message: OutgoingMessage) -> None:
    try:
        validate_email(message.to)
    except ValidationError:
        raise PermanentSendError(f"not a valid email address: {message.to!r}") from None
    if not message.subject.strip():
        raise PermanentSendError("an email needs a subject")


def build_email(message: OutgoingMessage, *, connection=None) -> EmailMultiAlternatives:
    message_id = message_id_for(message.idempotency_key)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={
            **message.headers,
            "Message-ID": message_id,
            IDEMPOTENCY_HEADER: message.idempotency_key,
        },
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def _text(smtp_text) -> str:
    return smtp_text.decode(errors="replace") if isinstance(smtp_text, bytes) else str(smtp_text)


def classify_smtp_error(error: Exception, *, connected: bool = False) -> Exception:
    """The SendError an SMTP (or network) failure amounts to.

    ``connected``: the failure came after the connection was open, so a timeout or a hang-up
    may have cut the server's "250 accepted" rather than the message.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [
            f"{address}: {code} {_text(text)}" for address, (code, text) in error.recipients.items()
        ]
        words = "recipient refused: " + "; ".join(answers)
        if all(code >= 500 for code, _ in error.recipients.values()):
            return PermanentSendError(words)
        return TransientSendError(words)
    if isinstance(error, smtplib.SMTPConnectError):
        return TransientSendError(f"mail server unreachable: {error}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TransientSendError(f"mail server hung up: {error}", maybe_delivered=connected)
    if isinstance(error, smtplib.SMTPResponseException):
        words = f"mail server answered {error.smtp_code} {_text(error.smtp_error)}"
        if 400 <= error.smtp_code < 500:
            return TransientSendError(words)
        return PermanentSendError(words)
    if isinstance(error, TimeoutError):
        return TransientSendError(
            f"mail server did not answer in time: {error}", maybe_delivered=connected
        )
    if isinstance(error, OSError | smtplib.SMTPException):
        return TransientSendError(f"mail server unreachable: {error}")
    return error


def classify_anymail_error(error: Exception) -> Exception | None:
    """The SendError an anymail failure amounts to, or None when it is not anymail's."""
    try:
        from anymail.exceptions import (
            AnymailAPIError,
            AnymailInvalidAddress,
            AnymailRecipientsRefused,
        )
    except ImportError:  # anymail is a dependency, but a slim install may leave it out
        return None
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PermanentSendError(f"email provider refused the recipient: {error}")
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        if status is not None and 200 <= status < 300:
            # The ESP accepted the request but its answer made no sense: maybe sent.
            return TransientSendError(
                f"email provider answered unreadably: {error}", maybe_delivered=True
            )
        if status is None:
            # No answer: a read timeout may have cut the ESP's "accepted".
            cause = type(error.__cause__).__name__ if error.__cause__ else ""
            return TransientSendError(
                f"email provider unreachable: {error}", maybe_delivered=cause == "ReadTimeout"
            )
        if status == 429 or status >= 500:
            return TransientSendError(f"email provider unavailable: {error}")
        return PermanentSendError(f"email provider refused ({status}): {error}")
    return None


class EmailTransport(Transport):
    channel = Channel.EMAIL
    honours_idempotency_key = False

    def check(self) -> TransportHealth:
        backend = settings.EMAIL_BACKEND
        if backend == "django.core.mail.backends.smtp.EmailBackend":
            return TransportHealth(
                ok=bool(settings.EMAIL_HOST),
                detail=f"SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            )
        if backend.startswith("anymail."):
            esp = backend.split(".")[2] if backend.count(".") >= 3 else backend
            configured = bool(getattr(settings, "ANYMAIL", {}))
            return TransportHealth(
                ok=configured,
                detail=f"anymail {esp}" + ("" if configured else ": ANYMAIL settings missing"),
            )
        if backend == "config.transports.email.EmlFileBackend":
            folder = settings.EMAIL_FILE_PATH
            return TransportHealth(
                ok=True, detail=f"development: one .eml file a message in {folder}"
            )
        if backend == "django.core.mail.backends.locmem.EmailBackend":
            return TransportHealth(ok=True, detail="tests: django.core.mail.outbox")
        return TransportHealth(ok=True, detail=backend)

    def send(self, message: OutgoingMessage) -> SendResult:
        validate_email_message(message)
        connection = get_connection(fail_silently=False)
        email = build_email(message, connection=connection)
        # Opened apart from sending, so a failure to connect (nothing sent) is told apart
        # from a failure once the message may be on its way.
        try:
            connection.open()
        except Exception as error:
            classified = classify_anymail_error(error) or classify_smtp_error(error)
            if classified is error:
                raise
            raise classified from error
        try:
            email.send()
        except Exception as error:
            classified = classify_anymail_error(error) or classify_smtp_error(error, connected=True)
            if classified is error:
                raise
            raise classified from error
        finally:
            connection.close()
        status = getattr(email, "anymail_status", None)
        provider_id = getattr(status, "message_id", None) if status else None
        if provider_id is None or provider_id == "":
            provider_id = email.extra_headers["Message-ID"]
        return SendResult(provider_id=str(provider_id))


class EmlFileBackend(BaseEmailBackend):
    """Django email backend writing one ``.eml`` file per message to ``EMAIL_FILE_PATH``.

    Django's own file backend appends every message of a connection to one ``.log``; a
    ``.eml`` per message opens in any mail client, headers and HTML part included.
    """

    def __init__(self, *, file_path=None, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        for email in email_messages:
            content = email.message().as_bytes(linesep="\r\n")
            # Written to a temporary name and renamed: a reader never sees half a message.
            handle, temporary = tempfile.mkstemp(
                dir=self.directory, prefix=f"{timezone.now():%Y%m%d-%H%M%S}-", suffix=".tmp"
            )
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            final = Path(temporary).with_suffix(".eml")
            os.replace(temporary, final)
        return len(email_messages)
