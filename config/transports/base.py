"""The one interface every message transport implements.

A caller renders the message, writes whatever record it keeps (the outbox row) and then
calls ``transport_for(channel).send(message)``. The answer is a :class:`SendResult` with
the provider's id, or one of two exceptions:

- :class:`TransientSendError`: try again later (timeout, connection refused, 429, 5xx);
- :class:`PermanentSendError`: never retry (invalid address, rejected template, other 4xx),
  with the provider's own words in ``reason``.

``Transport.honours_idempotency_key`` says whether the provider de-duplicates on our
``idempotency_key``: only then may a send interrupted by a crash be retried blindly.
``SendError.maybe_delivered`` is the same question for one failed call: True when the
provider may have taken the message although we got no clear answer (a read timeout after
the request went out, an unreadable answer to an accepted request). Treat such a failure
like an interrupted send: retry only where the provider honours the key.

``Transport.check()`` is a cheap health probe for the admin: it looks at configuration
and at what earlier sends recorded, and never calls the provider.
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

    def __init__(self, reason: str, *, maybe_delivered: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.maybe_delivered = maybe_delivered


class TransientSendError(SendError):
    """Worth trying again later: timeouts, connection errors, 429, 5xx."""


class PermanentSendError(SendError):
    """Never worth retrying: invalid address, rejected template, other 4xx."""


@dataclass(frozen=True)
class TransportHealth:
    """What the admin shows for one channel: usable or not, and why, in one line."""

    ok: bool
    detail: str


class Transport:
    """Base class; subclasses implement :meth:`send` (and :meth:`check` when they can)."""

    channel: str = ""
    honours_idempotency_key: bool = False

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    def check(self) -> TransportHealth:
        """Configured or not, from settings and cached state only: never calls the provider."""
        return TransportHealth(ok=True, detail=type(self).__name__)


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


def transports_health() -> dict[str, TransportHealth]:
    """``check()`` of every channel in ``settings.MESSAGE_TRANSPORTS``, for the admin page.

    A transport that cannot even be loaded is reported, not raised: one bad dotted path
    must not break the page that would tell staff about it.
    """
    health = {}
    for channel in getattr(settings, "MESSAGE_TRANSPORTS", {}):
        try:
            health[channel] = transport_for(channel).check()
        except Exception as error:  # the admin page shows it instead of a 500
            health[channel] = TransportHealth(ok=False, detail=f"cannot load: {error}")
    return health
