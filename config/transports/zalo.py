"""Zalo Notification Service (ZNS): an approved template, filled in, to a phone's Zalo.

Request (Zalo's shape)::

    POST ZALO_ZNS["URL"]            header access_token: <OA access token>
    {"phone": "84909908089", "template_id": "123", "template_data": {...},
     "tracking_id": "<our idempotency key>"}
    → 200 {"error": 0, "message": "Success", "data": {"msg_id": "..."}}
    → 200 {"error": -108, "message": "Phone number is invalid"}   (errors also answer 200)

The OA access token lives about 25 hours; a refresh token (single use: each refresh
returns the next one) buys a new one from the OAuth endpoint::

    POST ZALO_ZNS["TOKEN_URL"]      header secret_key: <app secret>
    app_id=…&refresh_token=…&grant_type=refresh_token
    → {"access_token": "...", "refresh_token": "...", "expires_in": "90000"}

Both tokens are kept in Django's cache (Redis in production, so every worker shares them
and the single-use refresh token is not spent twice). The access token is refreshed when
the cache has none (expired) and once more when Zalo answers -124 "access token invalid".

``tracking_id`` carries our key so a message can be matched in Zalo's reports; Zalo's
documentation presents it as the partner's reference, not as a de-duplication key, so
``honours_idempotency_key`` stays False.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
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
from config.transports.phones import phone_for_provider

# Cache keys (names, not secrets).
ACCESS_TOKEN_KEY = "transports:zalo:access-token"  # noqa: S105
REFRESH_TOKEN_KEY = "transports:zalo:refresh-token"  # noqa: S105
REFRESH_LOCK_KEY = "transports:zalo:refresh-lock"
LAST_TOKEN_ERROR_KEY = "transports:zalo:last-token-error"  # noqa: S105
# Refresh a little before Zalo's expiry so a token never dies between cache and send.
EXPIRY_MARGIN_SECONDS = 300
TRACKING_ID_MAX = 48

TOKEN_INVALID = -124
# Zalo's codes worth another try later: unknown error, out of quota (the shop tops up),
# sending at night refused (Zalo's 22:00-06:00 rule for some templates), payment failure,
# daily quota reached. Every other code names a problem with the message, the template,
# the recipient or the account that retrying does not fix.
TRANSIENT_CODES = frozenset({-100, -115, -133, -137, -144})


def tracking_id(idempotency_key: str) -> str:
    """Our key, or a digest of it when longer than ZNS's tracking_id allows."""
    if len(idempotency_key) <= TRACKING_ID_MAX:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:TRACKING_ID_MAX]


def validate_zns(message: OutgoingMessage) -> str:
    """The checks any ZNS transport makes before sending; returns the phone as ``84…``."""
    if not message.template_id:
        raise PermanentSendError("a ZNS message needs the approved template's id")
    return phone_for_provider(message.to, "84")


class ZaloZnsTransport(Transport):
    channel = Channel.ZALO
    honours_idempotency_key = False
    provider = "Zalo ZNS"

    @property
    def conf(self) -> dict:
        return getattr(settings, "ZALO_ZNS", {})

    def missing_settings(self) -> list[str]:
        conf = self.conf
        missing = [f"ZALO_{name}" for name in ("APP_ID", "APP_SECRET") if not conf.get(name)]
        if not (conf.get("REFRESH_TOKEN") or conf.get("ACCESS_TOKEN")):
            missing.append("ZALO_REFRESH_TOKEN")
        return missing

    def check(self) -> TransportHealth:
        missing = self.missing_settings()
        if missing:
            return TransportHealth(ok=False, detail=f"not configured: set {', '.join(missing)}")
        last_error = cache.get(LAST_TOKEN_ERROR_KEY)
        if last_error:
            return TransportHealth(ok=False, detail=f"token refresh failed: {last_error}")
        return TransportHealth(ok=True, detail=f"{self.provider} for app {self.conf['APP_ID']}")

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = validate_zns(message)
        missing = self.missing_settings()
        if missing:
            raise PermanentSendError(f"{self.provider} is not configured: set {', '.join(missing)}")
        payload = {
            "phone": phone,
            "template_id": str(message.template_id),
            "template_data": dict(message.template_data),
            "tracking_id": tracking_id(message.idempotency_key),
        }
        data = self._post_message(payload, self.access_token())
        if data.get("error") == TOKEN_INVALID:
            # Expired early or revoked: one fresh token, one more try; never a loop.
            data = self._post_message(payload, self.refresh_access_token())
        return self._read(data)

    def _post_message(self, payload: dict, token: str) -> dict:
        answer = http.post(
            self.conf["URL"],
            json_body=payload,
            headers={"access_token": token},
            timeout=float(self.conf.get("TIMEOUT", 5)),
            provider=self.provider,
        )
        http.raise_for_status(answer, provider=self.provider)
        data = answer.json()
        if data is None or not isinstance(data.get("error"), int):
            raise http.unreadable(answer, provider=self.provider, expected='an "error" code')
        return data

    def _read(self, data: dict) -> SendResult:
        code = data["error"]
        words = f"{self.provider} error {code}: {data.get('message') or '(no message)'}"
        if code == 0:
            msg_id = (data.get("data") or {}).get("msg_id")
            if not msg_id:
                raise TransientSendError(
                    f"{self.provider} answered success without a msg_id", maybe_delivered=True
                )
            return SendResult(provider_id=str(msg_id))
        if code in TRANSIENT_CODES:
            raise TransientSendError(words)
        if code == TOKEN_INVALID:
            raise TransientSendError(f"{words} (even after a token refresh)")
        raise PermanentSendError(words)

    # --- tokens ---------------------------------------------------------------------------

    def access_token(self) -> str:
        token = cache.get(ACCESS_TOKEN_KEY)
        if token:
            return token
        if not cache.get(REFRESH_TOKEN_KEY) and self.conf.get("ACCESS_TOKEN"):
            # A token pasted into the environment: use it until Zalo says it expired.
            return self.conf["ACCESS_TOKEN"]
        return self.refresh_access_token()

    def refresh_access_token(self) -> str:
        """Spend the refresh token for a new pair; store both; return the access token."""
        refresh_token = cache.get(REFRESH_TOKEN_KEY) or self.conf.get("REFRESH_TOKEN")
        if not refresh_token:
            raise PermanentSendError(
                f"{self.provider} access token expired and no refresh token is set: "
                "set ZALO_REFRESH_TOKEN"
            )
        # The refresh token is single use: two workers spending it at once would leave one
        # holding a dead token. The cache's atomic add lets one refresh; the other retries.
        if not cache.add(REFRESH_LOCK_KEY, "1", timeout=30):
            raise TransientSendError(f"{self.provider} token is being refreshed by another worker")
        try:
            answer = http.post(
                self.conf["TOKEN_URL"],
                form={
                    "app_id": self.conf["APP_ID"],
                    "refresh_token": refresh_token,
                    "grant_type": "refresh_token",
                },
                headers={"secret_key": self.conf["APP_SECRET"]},
                timeout=float(self.conf.get("TIMEOUT", 5)),
                provider=f"{self.provider} OAuth",
            )
            http.raise_for_status(answer, provider=f"{self.provider} OAuth")
            data = answer.json() or {}
            if not data.get("access_token"):
                reason = (
                    f"{self.provider} refused the refresh token: "
                    f"{data.get('error_description') or data.get('error_name') or answer.text}"
                )
                cache.set(LAST_TOKEN_ERROR_KEY, f"{timezone.now():%Y-%m-%d %H:%M} UTC {reason}")
                raise PermanentSendError(f"{reason}; set a new ZALO_REFRESH_TOKEN")
            try:
                lifetime = int(data.get("expires_in") or 0)
            except (TypeError, ValueError):
                lifetime = 0
            cache.set(
                ACCESS_TOKEN_KEY,
                data["access_token"],
                timeout=max(lifetime - EXPIRY_MARGIN_SECONDS, 60),
            )
            if data.get("refresh_token"):
                cache.set(REFRESH_TOKEN_KEY, data["refresh_token"], timeout=None)
            cache.delete(LAST_TOKEN_ERROR_KEY)
            return data["access_token"]
        finally:
            cache.delete(REFRESH_LOCK_KEY)
