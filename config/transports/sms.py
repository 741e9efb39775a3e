"""Brand-name SMS through a Vietnamese gateway's HTTP API.

Gateways (eSMS, SpeedSMS, VMG, Viettel's, FPT's …) all take the same few things — a
phone, the text, the registered brand name, credentials and usually a request id — in a
JSON POST, and answer with their id for the message. Only the names differ, so the URL,
the credentials, the brand and the request's field names come from ``settings.SMS_GATEWAY``;
a gateway that answers in its own shape is one small subclass overriding
:meth:`HttpSmsGateway.read_answer` (and, when it de-duplicates on our request id,
``honours_idempotency_key = True``).

The generic shape, which the test suite's fake provider speaks::

    POST SMS_GATEWAY["URL"]      Authorization: Bearer <API_KEY>
    {"phone": "84909908089", "message": "...", "brandname": "TIEM", "request_id": "<key>"}
    → 2xx {"message_id": "..."}          4xx/5xx: the body says why
"""

from __future__ import annotations

import base64

from django.conf import settings

from config.transports import http
from config.transports.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    Transport,
    TransportHealth,
)
from config.transports.phones import phone_for_provider

DEFAULT_FIELDS = {
    "phone": "phone",
    "text": "message",
    "brand": "brandname",
    "request_id": "request_id",
    # Only used with AUTH="body": the credentials travel in the JSON.
    "api_key": "api_key",
    "secret": "secret",
}
AUTH_STYLES = ("bearer", "basic", "body")


def validate_sms(message: OutgoingMessage) -> str:
    """The checks any SMS transport makes before sending; returns the phone as ``84…``."""
    if not message.body.strip():
        raise PermanentSendError("an SMS needs a text")
    return phone_for_provider(message.to, "84")


class HttpSmsGateway(Transport):
    channel = Channel.SMS
    honours_idempotency_key = False  # a generic gateway promises nothing about request ids
    provider = "SMS gateway"

    @property
    def conf(self) -> dict:
        # Read on every send: the instance is cached, settings may change (tests do).
        return getattr(settings, "SMS_GATEWAY", {})

    def fields(self) -> dict[str, str]:
        return {**DEFAULT_FIELDS, **self.conf.get("FIELDS", {})}

    def missing_settings(self) -> list[str]:
        conf = self.conf
        return [f"SMS_GATEWAY_{name}" for name in ("URL", "API_KEY", "BRAND") if not conf.get(name)]

    def check(self) -> TransportHealth:
        missing = self.missing_settings()
        if missing:
            return TransportHealth(ok=False, detail=f"not configured: set {', '.join(missing)}")
        return TransportHealth(
            ok=True, detail=f"{self.provider} at {self.conf['URL']}, brand {self.conf['BRAND']}"
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        validate_sms(message)
        missing = self.missing_settings()
        if missing:
            # Nothing can be sent until someone configures it; saying so beats retrying.
            raise PermanentSendError(f"{self.provider} is not configured: set {', '.join(missing)}")
        conf = self.conf
        answer = http.post(
            conf["URL"],
            json_body=self.payload(message),
            headers=self.auth_headers(),
            timeout=float(conf.get("TIMEOUT", 5)),
            provider=self.provider,
        )
        return self.read_answer(answer)

    def payload(self, message: OutgoingMessage) -> dict:
        conf, names = self.conf, self.fields()
        body = {
            names["phone"]: phone_for_provider(message.to, conf.get("PHONE_STYLE", "84")),
            names["text"]: message.body,
            names["brand"]: conf["BRAND"],
        }
        if names.get("request_id"):
            body[names["request_id"]] = message.idempotency_key
        if conf.get("AUTH", "bearer") == "body":
            body[names["api_key"]] = conf["API_KEY"]
            if conf.get("SECRET"):
                body[names["secret"]] = conf["SECRET"]
        return body

    def auth_headers(self) -> dict[str, str]:
        conf = self.conf
        auth = conf.get("AUTH", "bearer")
        if auth == "bearer":
            return {"Authorization": f"Bearer {conf['API_KEY']}"}
        if auth == "basic":
            pair = f"{conf['API_KEY']}:{conf.get('SECRET', '')}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        return {}

    def read_answer(self, answer: http.HttpAnswer) -> SendResult:
        """Generic gateways: HTTP status says success; the id is in ``ID_FIELD``."""
        http.raise_for_status(answer, provider=self.provider)
        data = answer.json()
        id_field = self.conf.get("ID_FIELD", "message_id")
        if data is None or not data.get(id_field):
            raise http.unreadable(answer, provider=self.provider, expected=f"{id_field!r}")
        return SendResult(provider_id=str(data[id_field]))
