"""Facebook Messenger through the Send API, to a page-scoped id (PSID).

Meta's rule: a page may answer freely within 24 hours of the person's last message
(``messaging_type=RESPONSE``); after that only with a message tag, and of the tags left
only ``POST_PURCHASE_UPDATE`` and ``ACCOUNT_UPDATE`` fit a shop, both non-promotional. So
a marketing message outside the window is refused here, before anything is sent.

Request::

    POST MESSENGER["URL"]?access_token=<page token>     (…/v21.0/me/messages)
    {"recipient": {"id": "<PSID>"}, "messaging_type": "RESPONSE" | "MESSAGE_TAG",
     ["tag": "POST_PURCHASE_UPDATE",] "message": {"text": "..."}}
    → 200 {"recipient_id": "...", "message_id": "m_..."}
    → 4xx/5xx {"error": {"message": "...", "code": 551, "error_subcode": ..., ...}}
"""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from config.transports import http
from config.transports.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
    Transport,
    TransportHealth,
)

WINDOW = timedelta(hours=24)
ALLOWED_TAGS = frozenset({"POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"})
# Graph API codes that mean "later": unknown/temporary errors and the rate limits.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 1200})


def messenger_delivery(message: OutgoingMessage, *, now=None) -> dict:
    """``messaging_type`` (and ``tag``) for this message now, or why it may not be sent."""
    if not message.to:
        raise PermanentSendError("a Messenger message needs the page-scoped id")
    if not message.body.strip():
        raise PermanentSendError("a Messenger message needs a text")
    now = now or timezone.now()
    last = message.last_inbound_at
    if last is not None and timezone.is_naive(last):
        raise PermanentSendError("last_inbound_at must be an aware datetime")
    if last is not None and now - last < WINDOW:
        return {"messaging_type": "RESPONSE"}
    since = f"last message {last:%Y-%m-%d %H:%M} UTC" if last else "no message from them"
    if message.purpose != "transactional":
        raise PermanentSendError(
            f"Messenger allows marketing only within 24 h of the customer's last message "
            f"({since}); nothing sent"
        )
    if message.messenger_tag not in ALLOWED_TAGS:
        raise PermanentSendError(
            f"outside Messenger's 24 h window ({since}) a transactional message needs the tag "
            f"POST_PURCHASE_UPDATE or ACCOUNT_UPDATE, not {message.messenger_tag or 'none'!r}"
        )
    return {"messaging_type": "MESSAGE_TAG", "tag": message.messenger_tag}


class MessengerSendApiTransport(Transport):
    channel = Channel.MESSENGER
    honours_idempotency_key = False
    provider = "Messenger"

    @property
    def conf(self) -> dict:
        return getattr(settings, "MESSENGER", {})

    def check(self) -> TransportHealth:
        if not self.conf.get("PAGE_ACCESS_TOKEN"):
            return TransportHealth(
                ok=False, detail="not configured: set MESSENGER_PAGE_ACCESS_TOKEN"
            )
        return TransportHealth(ok=True, detail=f"{self.provider} Send API at {self.conf['URL']}")

    def send(self, message: OutgoingMessage) -> SendResult:
        delivery = messenger_delivery(message)
        if not self.conf.get("PAGE_ACCESS_TOKEN"):
            raise PermanentSendError(
                f"{self.provider} is not configured: set MESSENGER_PAGE_ACCESS_TOKEN"
            )
        # The token goes as Meta documents it, in the query string (never logged here).
        separator = "&" if "?" in self.conf["URL"] else "?"
        token = urllib.parse.urlencode({"access_token": self.conf["PAGE_ACCESS_TOKEN"]})
        answer = http.post(
            f"{self.conf['URL']}{separator}{token}",
            json_body={
                "recipient": {"id": message.to},
                **delivery,
                "message": {"text": message.body},
            },
            timeout=float(self.conf.get("TIMEOUT", 5)),
            provider=self.provider,
        )
        data = answer.json()
        error = (data or {}).get("error")
        if isinstance(error, dict):
            words = (
                f"{self.provider} error {error.get('code')}"
                f"{'/' + str(error['error_subcode']) if error.get('error_subcode') else ''}: "
                f"{error.get('message') or answer.text}"
            )
            if error.get("code") in TRANSIENT_CODES or answer.status >= 500:
                raise TransientSendError(words)
            raise PermanentSendError(words)
        http.raise_for_status(answer, provider=self.provider)
        if data is None or not data.get("message_id"):
            raise http.unreadable(answer, provider=self.provider, expected='a "message_id"')
        return SendResult(provider_id=str(data["message_id"]))
