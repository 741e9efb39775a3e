"""The one interface every message transport implements.

A caller renders the message, writes whatever record it keeps (the outbox row) and then
calls ``transport_for(channel).send(message)``. The answer is a :class:`SendResult` with
the provider's id, or one of two exceptions:

- :class:`TransientSendError`: try again later (timeout, connection refused, 429, 5xx);
- :class:`PermanentSendError`: never retry (invalid address, rejected template, other 4xx),
  with the provider's own words in ``reason``.

``Transport.honours_idempotency_key`` says whether the provider de-duplicates on our
``idempotency_key``: only then may a send interrupted by a crash be retried blindly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import import_string


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    ZALO = "zalo", "Zalo ZNS"
    MESSENGER = "messenger", "Messenger"


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message for one address on one channel."""

    channel: str
    to: str  # email address, E.164 phone (+84…), or Messenger page-scoped id
    body: str  # plain text (email's text part; the SMS; Messenger's text)
    idempotency_key: str
    purpose: str = "transactional"  # or "marketing"
    subject: str = ""  # email
    html: str = ""  # email, optional
    headers: dict[str, str] = field(default_factory=dict)  # email (List-Unsubscribe …)
    template_id: str = ""  # Zalo ZNS
    template_data: dict[str, str] = field(default_factory=dict)  # Zalo ZNS
    messenger_tag: str = ""  # Messenger outside 24 h: POST_PURCHASE_UPDATE, ACCOUNT_UPDATE
    last_inbound_at: object = None  # Messenger: aware datetime of the customer's last message


@dataclass(frozen=True)
class SendResult:
    provider_id: str


class SendError(Exception):
    """The provider did not take the message; ``reason`` is what it (or the network) said."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientSendError(SendError):
    """Worth trying again later: timeouts, connection errors, 429, 5xx."""


class PermanentSendError(SendError):
    """Never worth retrying: invalid address, rejected template, other 4xx."""


class Transport:
    """Base class; subclasses implement :meth:`send`."""

    channel: str = ""
    honours_idempotency_key: bool = False

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError


@cache
def _transport(path: str) -> Transport:
    return import_string(path)()


def transport_for(channel: str) -> Transport:
    """The transport configured for ``channel`` in ``settings.MESSAGE_TRANSPORTS``."""
    try:
        path = settings.MESSAGE_TRANSPORTS[channel]
    except (AttributeError, KeyError) as missing:
        raise ImproperlyConfigured(
            f"MESSAGE_TRANSPORTS has no transport for {channel!r}"
        ) from missing
    return _transport(path)
