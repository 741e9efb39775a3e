"""Provider reports in: delivery, bounces, complaints, replies.

**SMS gateway, Zalo ZNS, Messenger** post to ``/m/webhooks/<channel>/`` a JSON body
signed with HMAC-SHA256 under the channel's secret (``MESSAGE_WEBHOOK_SECRETS``), hex in
the ``X-Tiem-Signature: sha256=<hex>`` header (a gateway adapter that speaks another
shape is a small view in front of the same service)::

    {"events": [{"message_id": "<the provider's id of our message>",
                 "status": "delivered|deferred|bounced|failed|complained|replied",
                 "id": "<the provider's event id>", "reason": "…",
                 "occurred_at": "2026-11-30T10:00:00Z"}]}

A bad or missing signature is a 401, a malformed body a 400, both in the API's error
shape and with nothing changed. All events of a request are recorded in one transaction.

**Email** goes through django-anymail, which knows each ESP's payload and signature
(``/m/webhooks/email/<esp>/tracking/``, e.g. ``postmark``, ``sendgrid``, ``mailgun``).
We do not connect a receiver to anymail's ``tracking`` signal: DESIGN.md keeps business
logic out of signals, and a receiver's failure would be a 500 with half a batch recorded.
Instead each of anymail's tracking views is subclassed with :class:`AnymailFeedbackMixin`,
which keeps anymail's request validation and parsing and replaces only the dispatch: the
normalised events go straight to ``message_feedback_record``, in one transaction, and a
failed check or an unreadable body gets our error shape (401/400), not a 500.
"""

import hashlib
import hmac
import json

from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.exceptions import WebhookPayloadInvalid, WebhookSignatureInvalid
from campaigns.models import MessageActivity
from campaigns.services import message_feedback_record
from config.api.errors import error_body
from config.transports import Channel

SIGNATURE_HEADER = "X-Tiem-Signature"
STATUS_KINDS = {
    "delivered": MessageActivity.Kind.DELIVERED,
    "deferred": MessageActivity.Kind.DEFERRED,
    "bounced": MessageActivity.Kind.BOUNCED,
    # The gateway gave up for good (unknown number, not a mobile): the address is bad.
    "failed": MessageActivity.Kind.BOUNCED,
    "complained": MessageActivity.Kind.COMPLAINED,
    "replied": MessageActivity.Kind.REPLIED,
}
MAX_EVENTS = 1000


class DeliveryReportEvent(serializers.Serializer):
    message_id = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=sorted(STATUS_KINDS))
    id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DeliveryReportInput(serializers.Serializer):
    events = DeliveryReportEvent(many=True, allow_empty=False, max_length=MAX_EVENTS)


def signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    algorithm, _, received = (header or "").partition("=")
    if not secret or algorithm.strip().lower() != "sha256" or not received:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())


@extend_schema(exclude=True)  # a provider's door, not part of the staff and POS API
class DeliveryReportApi(APIView):
    """Delivery reports of the SMS gateway, Zalo ZNS or Messenger for one channel."""

    authentication_classes = ()  # the signature is the credential
    permission_classes = (AllowAny,)
    throttle_classes = ()  # providers send reports in bursts; a forged one costs an HMAC

    def post(self, request, channel: str):
        secret = settings.MESSAGE_WEBHOOK_SECRETS.get(channel, "")
        # Read the raw body before anything parses it: the signature covers these bytes.
        body = request.body
        if not signature_valid(
            secret=secret, body=body, header=request.headers.get(SIGNATURE_HEADER, "")
        ):
            raise WebhookSignatureInvalid()
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise WebhookPayloadInvalid(_("The body is not JSON.")) from None
        serializer = DeliveryReportInput(data=payload)
        serializer.is_valid(raise_exception=True)
        recorded = ignored = 0
        with transaction.atomic(durable=True):
            for event in serializer.validated_data["events"]:
                activity = message_feedback_record(
                    channel=channel,
                    provider_id=event["message_id"],
                    kind=STATUS_KINDS[event["status"]],
                    source=channel,
                    occurred_at=event["occurred_at"],
                    provider_event_id=event["id"],
                    detail=event["reason"],
                )
                recorded, ignored = (recorded + 1, ignored) if activity else (recorded, ignored + 1)
        return Response({"recorded": recorded, "ignored": ignored}, status=status.HTTP_200_OK)


# --- Email, through django-anymail ------------------------------------------------------


def _soft_bounce(event: AnymailTrackingEvent) -> bool:
    """Anymail files Postmark's SoftBounce under "bounced"; it is a temporary failure."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    return raw.get("RecordType") == "Bounce" and raw.get("Type") == "SoftBounce"


def anymail_event_kind(event: AnymailTrackingEvent) -> str | None:
    """Our kind for an anymail event, or None for those we leave to others (or ignore).

    Opens and clicks are ours (pixel, redirect): an ESP's own tracking would count twice.
    """
    if event.event_type == EventType.DELIVERED:
        return MessageActivity.Kind.DELIVERED
    if event.event_type == EventType.DEFERRED:
        return MessageActivity.Kind.DEFERRED
    if event.event_type == EventType.BOUNCED:
        if _soft_bounce(event):
            return MessageActivity.Kind.DEFERRED
        return MessageActivity.Kind.BOUNCED
    if event.event_type == EventType.COMPLAINED:
        return MessageActivity.Kind.COMPLAINED
    if event.event_type == EventType.REJECTED:
        # The ESP would not even try: the address is bad, or already bounced or complained.
        if event.reject_reason in (RejectReason.INVALID, RejectReason.BOUNCED):
            return MessageActivity.Kind.BOUNCED
        if event.reject_reason == RejectReason.SPAM:
            return MessageActivity.Kind.COMPLAINED
    return None


class AnymailFeedbackMixin:
    """Put in front of one of anymail's tracking views: its checks, our recording."""

    def post(self, request, *args, **kwargs):
        if getattr(self, "warn_if_no_basic_auth", False) and not getattr(self, "basic_auth", None):
            # This ESP's only protection is basic auth: without a secret, refuse everything.
            return JsonResponse(
                error_body("webhook_not_configured", _("Set ANYMAIL_WEBHOOK_SECRET first.")),
                status=status.HTTP_401_UNAUTHORIZED,
            )
        try:
            self.run_validators(request)
            events = self.parse_events(request)
        except AnymailWebhookValidationFailure:
            return JsonResponse(
                error_body(WebhookSignatureInvalid.code, WebhookSignatureInvalid.default_detail),
                status=status.HTTP_401_UNAUTHORIZED,
            )
        except (
            AnymailConfigurationError,  # e.g. an inbound mail posted to the tracking URL
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
            IndexError,
        ):
            return JsonResponse(
                error_body(WebhookPayloadInvalid.code, _("The ESP's report could not be read.")),
                status=status.HTTP_400_BAD_REQUEST,
            )
        with transaction.atomic(durable=True):
            for event in events:
                kind = (
                    anymail_event_kind(event) if isinstance(event, AnymailTrackingEvent) else None
                )
                if kind is None:
                    continue
                message_feedback_record(
                    channel=Channel.EMAIL,
                    provider_id=event.message_id or "",
                    kind=kind,
                    source=f"anymail:{self.esp_name}",
                    occurred_at=event.timestamp,
                    provider_event_id=event.event_id or "",
                    detail=event.description or event.mta_response or "",
                )
        return HttpResponse()


def _anymail_feedback_urlpatterns():
    """One of our views per anymail tracking webhook, at anymail's own path under email/."""
    patterns = []
    for pattern in anymail_urlpatterns:
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class is None or not (pattern.name or "").endswith("_tracking_webhook"):
            continue
        feedback_view = type(
            f"Feedback{view_class.__name__}", (AnymailFeedbackMixin, view_class), {}
        )
        patterns.append(
            path(f"email/{pattern.pattern}", feedback_view.as_view(), name=f"email-{pattern.name}")
        )
    return patterns


urlpatterns = [
    *_anymail_feedback_urlpatterns(),
    path("<str:channel>/", DeliveryReportApi.as_view(), name="webhook-delivery-report"),
]
