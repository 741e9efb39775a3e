"""Orders in: a signed webhook is stored as it came, then a job turns it into an order
through ``orders.services.marketplace.marketplace_order_ingest`` and moves that order to
the status the platform reports. Every way in (webhook, pull, CSV, staff release) ends in
:func:`order_doc_apply`.

Convergence: platform statuses are ranked (created < paid < shipped < delivered <
cancelled < returned); a notice only ever moves an order forward, so duplicates and
out-of-order deliveries end in the same final state.
"""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.api.errors import DomainError
from customers.contacts import normalize_email, normalize_phone
from customers.exceptions import InvalidContactPoint
from inventory.exceptions import InsufficientStock
from orders.marketplaces.adapters import (
    OrderDoc,
    OrderNotice,
    PlatformError,
    PlatformStatus,
    adapter_for,
)
from orders.marketplaces.exceptions import (
    HeldOrderNotHeld,
    HeldOrderStillUnmapped,
    ShopNotFound,
    WebhookPayloadInvalid,
    WebhookSignatureInvalid,
)
from orders.marketplaces.models import HeldOrder, Listing, MarketplaceShop, WebhookEvent
from orders.marketplaces.services.convergence import order_converge
from orders.models import Order
from orders.services.marketplace import marketplace_order_ingest
from orders.services.placing import LineInput

logger = logging.getLogger(__name__)

EVENT_ATTEMPTS = 5
CLAIM_STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class ApplyResult:
    order: Order | None
    hold: HeldOrder | None = None


# --- The door ------------------------------------------------------------------------------


def webhook_receive(
    *, platform: str, shop_id: str, url: str, body: bytes, headers
) -> tuple[WebhookEvent, bool]:
    """Check and store one webhook; returns ``(event, created)``. Nothing else happens here:
    the order is recorded by :func:`webhook_event_process`, in a job.

    Unknown shop: :class:`ShopNotFound`; wrong signature: :class:`WebhookSignatureInvalid`
    (logged); a body that is not a JSON object: :class:`WebhookPayloadInvalid`. Nothing is
    written in those cases. The same delivery twice stores one event.
    """
    shop = (
        MarketplaceShop.objects.filter(platform=platform, shop_id=shop_id, is_active=True)
        .select_related("channel")
        .first()
    )
    if shop is None:
        raise ShopNotFound()
    adapter = adapter_for(shop)
    if not adapter.verify_webhook(url=shop.webhook_url or url, body=body, headers=headers):
        logger.warning(
            "marketplace webhook refused: bad signature (shop %s, %d bytes)", shop.pk, len(body)
        )
        raise WebhookSignatureInvalid()
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise WebhookPayloadInvalid()
    notice = adapter.parse_notice(payload)
    event_id = adapter.event_id(body=body, payload=payload)[:100]
    try:
        with transaction.atomic():
            event, created = WebhookEvent.objects.get_or_create(
                shop=shop,
                event_id=event_id,
                defaults={
                    "body": body.decode("utf-8", "replace"),
                    "external_ref": notice.external_ref if notice else "",
                    "status": WebhookEvent.Status.RECEIVED
                    if notice
                    else WebhookEvent.Status.IGNORED,
                },
            )
    except IntegrityError:  # the same delivery, arriving twice at the same moment
        event, created = WebhookEvent.objects.get(shop=shop, event_id=event_id), False
    if created and notice and settings.MARKETPLACE_WEBHOOK_NUDGE:
        transaction.on_commit(lambda: _nudge(event.pk))
    return event, created


def _nudge(event_pk: int) -> None:
    from orders.marketplaces.tasks import webhook_process  # the task module imports services

    try:
        webhook_process.delay(event_pk)
    except Exception:
        logger.warning("marketplace webhook %s: could not enqueue; the sweep will", event_pk)


def webhook_event_process(*, event_pk: int) -> WebhookEvent | None:
    """Claim one stored event and act on it; safe to call twice (the second finds it taken).

    A platform that cannot be reached puts the event back for the sweep (up to
    ``EVENT_ATTEMPTS`` times); a business refusal is recorded on the event as failed.
    """
    now = timezone.now()
    claimed = WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.RECEIVED)
        | Q(status=WebhookEvent.Status.PROCESSING, claimed_at__lt=now - CLAIM_STALE_AFTER),
        pk=event_pk,
    ).update(status=WebhookEvent.Status.PROCESSING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    event = WebhookEvent.objects.select_related("shop__channel").get(pk=event_pk)
    adapter = adapter_for(event.shop)
    fields = {"processed_at": timezone.now(), "error": ""}
    try:
        notice = adapter.parse_notice(json.loads(event.body))
        if notice is None:
            fields["status"] = WebhookEvent.Status.IGNORED
        else:
            result = order_notice_apply(shop=event.shop, notice=notice)
            fields["order"] = result.order
            fields["status"] = (
                WebhookEvent.Status.PROCESSED if result.order else WebhookEvent.Status.HELD
            )
    except PlatformError as error:
        retry = error.transient and event.attempts < EVENT_ATTEMPTS
        fields["status"] = WebhookEvent.Status.RECEIVED if retry else WebhookEvent.Status.FAILED
        fields["error"] = str(error)[:2000]
        fields["processed_at"] = None
    except DomainError as error:
        fields["status"] = WebhookEvent.Status.FAILED
        fields["error"] = f"{error.code}: {error.detail}"[:2000]
    except OperationalError as error:
        # A deadlock or serialization failure (DESIGN.md: retryable). Everything the attempt
        # wrote was rolled back; the next run starts again from what is committed.
        logger.warning("marketplace webhook %s: %s; will retry", event_pk, error)
        retry = event.attempts < EVENT_ATTEMPTS
        fields["status"] = WebhookEvent.Status.RECEIVED if retry else WebhookEvent.Status.FAILED
        fields["error"] = f"database: {error}"[:2000]
        fields["processed_at"] = None
    for name, value in fields.items():
        setattr(event, name, value)
    event.save(update_fields=list(fields))
    return event


def webhook_event_replay(*, events) -> int:
    """Staff: process these events again (after a mapping, a fix). Returns how many."""
    pks = [event.pk for event in events]
    WebhookEvent.objects.filter(pk__in=pks).exclude(status=WebhookEvent.Status.PROCESSING).update(
        status=WebhookEvent.Status.RECEIVED, attempts=0, error=""
    )
    return sum(webhook_event_process(event_pk=pk) is not None for pk in pks)


def webhook_events_pending(*, limit: int = 500) -> list[int]:
    """Events waiting for a worker (or whose worker died): for the sweep."""
    stale = timezone.now() - CLAIM_STALE_AFTER
    return list(
        WebhookEvent.objects.filter(
            Q(status=WebhookEvent.Status.RECEIVED)
            | Q(status=WebhookEvent.Status.PROCESSING, claimed_at__lt=stale)
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- From a notice or a whole order to our order ---------------------------------------------


def order_notice_apply(*, shop: MarketplaceShop, notice: OrderNotice) -> ApplyResult:
    """An order of ``shop`` is now ``notice.status``: move ours, or record it first (asking
    the platform for the whole order), or note the status on its hold."""
    order = Order.objects.filter(channel=shop.channel, external_ref=notice.external_ref).first()
    if order is not None:
        return ApplyResult(order=order_converge(order=order, status=notice.status))
    hold = HeldOrder.objects.filter(shop=shop, external_ref=notice.external_ref).first()
    if hold is not None and hold.status != HeldOrder.Status.RELEASED:
        return ApplyResult(order=None, hold=_hold_note_status(hold, notice.status))
    doc = adapter_for(shop).fetch_order(notice.external_ref)
    return order_doc_apply(shop=shop, doc=doc, status=notice.status)


def _lines_for(shop: MarketplaceShop, doc: OrderDoc) -> tuple[list[LineInput], list[dict]]:
    """Our lines for the doc's, through the shop's listings; the items no listing maps.

    Items never seen before get an unmapped listing, so staff find them on the listings
    screen; nothing is matched by name or guessed.
    """
    keys = {(line.item_id, line.model_id) for line in doc.lines}
    condition = Q()
    for item_id, model_id in keys:
        condition |= Q(item_id=item_id, model_id=model_id)
    listings = {
        (listing.item_id, listing.model_id): listing
        for listing in Listing.objects.filter(condition, shop=shop).select_related("variant")
    }
    missing = [line for line in doc.lines if (line.item_id, line.model_id) not in listings]
    if missing:
        Listing.objects.bulk_create(
            [
                Listing(
                    shop=shop,
                    item_id=line.item_id,
                    model_id=line.model_id,
                    seller_sku=line.seller_sku[:100],
                    name=line.name[:300],
                )
                for line in missing
            ],
            ignore_conflicts=True,
        )
    lines, unmapped = [], []
    for line in doc.lines:
        listing = listings.get((line.item_id, line.model_id))
        if listing is None or listing.variant is None:
            unmapped.append(
                {"item_id": line.item_id, "model_id": line.model_id, "seller_sku": line.seller_sku}
            )
            continue
        lines.append(
            LineInput(
                sku=listing.variant.sku,
                quantity=line.quantity,
                unit_price_amount=line.unit_price_amount,
            )
        )
    return lines, unmapped


def order_doc_apply(
    *, shop: MarketplaceShop, doc: OrderDoc, status: str | None = None
) -> ApplyResult:
    """Record the platform's order once and move it to the latest status known of it.

    An item no listing maps holds the order as "needs mapping" (whole, with the platform's
    payload) until staff map it and release it; a shelf too short for it holds it as "short
    of stock" (the shop cancels it on the platform, which closes the hold).
    """
    target = PlatformStatus.latest(doc.status, status)
    order = Order.objects.filter(channel=shop.channel, external_ref=doc.external_ref).first()
    if order is not None:
        return ApplyResult(order=order_converge(order=order, status=target))
    hold = HeldOrder.objects.filter(shop=shop, external_ref=doc.external_ref).first()
    if hold is not None and hold.status != HeldOrder.Status.RELEASED:
        return ApplyResult(order=None, hold=_hold_note_status(hold, target))
    lines, unmapped = _lines_for(shop, doc)
    if unmapped:
        return ApplyResult(
            order=None,
            hold=_hold(shop, doc, target, HeldOrder.Reason.NEEDS_MAPPING, unmapped=unmapped),
        )
    try:
        order = _ingest(shop, doc, lines)
    except InsufficientStock as error:
        return ApplyResult(
            order=None,
            hold=_hold(shop, doc, target, HeldOrder.Reason.SHORT_STOCK, detail=error.detail),
        )
    return ApplyResult(order=order_converge(order=order, status=target))


def _usable(normalize, value: str) -> str:
    """The contact detail if it is one; "" for what platforms send masked (Shopee shows a
    buyer's phone as ``******89``) or malformed, so the order is recorded on the buyer id."""
    if not value:
        return ""
    try:
        normalize(value)
    except InvalidContactPoint:
        return ""
    return value


def _ingest(shop: MarketplaceShop, doc: OrderDoc, lines: list[LineInput]) -> Order:
    order, _created = marketplace_order_ingest(
        channel=shop.channel,
        external_ref=doc.external_ref,
        lines=lines,
        placed_at=doc.placed_at,
        buyer_id=doc.buyer_id,
        buyer_name=doc.buyer_name,
        buyer_phone=_usable(normalize_phone, doc.buyer_phone),
        buyer_email=_usable(normalize_email, doc.buyer_email),
        shipping_address=doc.shipping_address,
        shipping_amount=doc.shipping_amount,
    )
    return order


def _hold(shop, doc: OrderDoc, status, reason, *, unmapped=(), detail="") -> HeldOrder:
    hold, created = HeldOrder.objects.get_or_create(
        shop=shop,
        external_ref=doc.external_ref,
        defaults={
            "reason": reason,
            "payload": doc.as_json(),
            "platform_status": status or "",
            "unmapped_items": list(unmapped),
            "detail": detail,
            "status": HeldOrder.Status.CLOSED
            if status == PlatformStatus.CANCELLED
            else HeldOrder.Status.HELD,
        },
    )
    if not created:
        hold = _hold_note_status(hold, status)
    return hold


def _hold_note_status(hold: HeldOrder, status: str | None) -> HeldOrder:
    latest = PlatformStatus.latest(hold.platform_status, status)
    if latest and latest != hold.platform_status:
        HeldOrder.objects.filter(pk=hold.pk).update(platform_status=latest)
        # Cancelled on the platform: nothing left to record. The hold stays, closed.
        if latest == PlatformStatus.CANCELLED:
            HeldOrder.objects.filter(pk=hold.pk, status=HeldOrder.Status.HELD).update(
                status=HeldOrder.Status.CLOSED
            )
        hold.refresh_from_db()
    return hold


def held_order_release(*, hold: HeldOrder) -> Order:
    """Staff mapped the items (or restocked): record the held order and bring it to the
    latest status heard of. Refused while an item is still unmapped, naming it."""
    if hold.status != HeldOrder.Status.HELD:
        raise HeldOrderNotHeld()
    doc = OrderDoc.from_json(hold.payload)
    lines, unmapped = _lines_for(hold.shop, doc)
    if unmapped:
        HeldOrder.objects.filter(pk=hold.pk).update(unmapped_items=unmapped)
        raise HeldOrderStillUnmapped(
            fields={"items": [f"{item['item_id']}/{item['model_id']}" for item in unmapped]}
        )
    order = _ingest(hold.shop, doc, lines)
    HeldOrder.objects.filter(pk=hold.pk, status=HeldOrder.Status.HELD).update(
        status=HeldOrder.Status.RELEASED, order=order, released_at=timezone.now()
    )
    # Read the status again: a notice may have noted a later one while we recorded it.
    hold.refresh_from_db()
    target = PlatformStatus.latest(doc.status, hold.platform_status)
    return order_converge(order=order, status=target)
