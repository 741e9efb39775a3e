"""Writing a priced order, whatever the channel: the order, its lines, payments, points and
events, and what completing it records. Every channel's entry point (web checkout, POS sale,
marketplace order) calls :func:`order_write` inside its own transaction, after taking stock
through inventory.
"""

import hashlib
import json
from datetime import datetime

from django.utils.translation import gettext as _

from config.inserts import rows_insert
from config.money import money_round
from customers.models import Customer, Event
from customers.services import (
    event_record,
    event_rows,
    loyalty_earn,
    loyalty_earn_entry,
    loyalty_redeem,
)
from inventory.models import Location, SalesChannel
from orders.exceptions import LoyaltyPointsInvalid
from orders.models import Order, OrderLine, Payment
from orders.services.numbers import order_number_next
from orders.services.placing.pricing import PricedLine, Pricing, TenderInput
from orders.services.referrals import referral_reward_grant
from orders.services.vouchers import VoucherQuote, voucher_redeem
from orders.statuses import OrderStatus


def request_fingerprint(payload: dict) -> str:
    """A stable hash of what a request asked for, to tell a replay from a reused id."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_write(
    *,
    channel: SalesChannel,
    pricing: Pricing,
    status: str,
    fulfilment: str,
    customer: Customer | None,
    placed_at: datetime,
    number: str | None = None,
    location: Location | None = None,
    tenders: list[TenderInput] = (),
    earn_points: bool = True,
    **fields,
) -> Order:
    """Write the order, its lines and payments, redeem voucher and points, record the event.

    Runs in the caller's transaction (after the stock is taken), so a failure anywhere
    leaves nothing half-written. ``earn_points=False`` completes an order without earning
    its points yet (an offline sale whose prices a manager must look at first).
    """
    number = number or order_number_next(channel=channel)
    fields.setdefault("stock_reference", f"order:{number}")
    order = Order(
        number=number,
        channel=channel,
        location=location,
        customer=customer,
        status=status,
        fulfilment=fulfilment,
        currency=pricing.currency,
        subtotal_amount=pricing.subtotal_amount,
        discount_amount=pricing.discount_amount,
        shipping_amount=pricing.shipping_amount,
        total_amount=pricing.total_amount,
        voucher_code=_voucher_code(pricing.voucher),
        points_redeemed=pricing.points,
        placed_at=placed_at,
        **fields,
    )
    # An order whose id was taken with its number (a till sale on PostgreSQL) is written
    # below with its lines, payments, points and events, in one statement; others now.
    if order.pk is None:
        order.save(force_insert=True)
        pending = []
    else:
        order.search_fields_fold()
        pending = [order]
    lines = [
        OrderLine(
            order=order,
            variant=line.variant,
            sku=line.variant.sku,
            name=str(line.variant),
            quantity=line.quantity,
            unit_price_amount=line.unit_price_amount,
            discount_amount=line.discount_amount,
            total_amount=line.total_amount,
        )
        for line in pricing.lines
    ]
    payments = [
        Payment(
            order=order,
            method=tender.method,
            status=tender.status,
            amount=money_round(tender.amount, pricing.currency),
            tendered_amount=tender.tendered_amount,
            change_amount=(
                tender.tendered_amount - money_round(tender.amount, pricing.currency)
                if tender.tendered_amount is not None
                else None
            ),
            provider_reference=tender.provider_reference,
            vietqr_payload=tender.vietqr_payload,
        )
        for tender in tenders
    ]
    # The caller can answer with the order as written, without reading it back: the rows
    # are filed as prefetched, the way prefetch_related itself files them.
    order._prefetched_objects_cache = {
        "lines": _as_prefetched(order.lines.all(), lines),
        "payments": _as_prefetched(order.payments.all(), payments),
    }
    if pricing.voucher or pricing.points:
        # The redemptions point at the order and its lines: written first.
        rows_insert(pending, lines, payments)
        pending = lines = payments = []
    if pricing.voucher:
        voucher_redeem(quote=pricing.voucher, order=order, customer=customer)
    if pricing.points:
        if customer is None:
            raise LoyaltyPointsInvalid(_("Points need a known customer."))
        loyalty_redeem(
            customer=customer,
            reference=order.reference,
            points=pricing.points,
            note=_("Paid part of %(number)s") % {"number": order.number},
        )
    customer_rows: tuple[list, ...] = ()
    if customer is not None:
        placed = (Event.Kind.ORDER_PLACED, order_event_payload(order=order, lines=pricing.lines))
        if status == OrderStatus.COMPLETED:
            # Placed and completed at once (a sale at the till): the points and both events
            # are written with the lines and payments.
            customer_rows = _completion_rows(
                order=order, lines=pricing.lines, earn_points=earn_points, placed=placed
            )
        else:
            event_record(
                customer=customer,
                kind=placed[0],
                channel=channel,
                location=location,
                occurred_at=placed_at,
                payload=placed[1],
            )
    # One statement on PostgreSQL for what is still to write.
    rows_insert(pending, lines, payments, *customer_rows)
    return order


def order_completion_record(*, order: Order) -> None:
    """What completing an order means for its customer: points earned, the timeline told."""
    if order.customer_id is None:
        return
    order_points_earn(order=order)
    # A referred friend's qualifying order rewards the referrer (once per friend).
    referral_reward_grant(order=order)
    event_record(
        customer=order.customer,
        kind=Event.Kind.ORDER_COMPLETED,
        channel=order.channel,
        location=order.location,
        payload=order_event_payload(order=order),
    )


def _completion_rows(
    *, order: Order, lines: list[PricedLine], earn_points: bool, placed: tuple[str, dict]
) -> tuple[list, list]:
    """An order placed and completed in one transaction (a sale at the till): its points
    (unless ``earn_points`` is False) and its two events, as rows not yet written; a
    referrer's reward is granted now."""
    entry = None
    if earn_points:
        # Neither points nor a referral reward for a sale whose prices a manager has yet to
        # accept (an offline sale charged otherwise than the catalog). The reference is the
        # new order's: no earlier entry can hold it.
        entry = loyalty_earn_entry(
            customer=order.customer,
            reference=order.reference,
            amount=order.total_amount,
            note=_("Order %(number)s") % {"number": order.number},
        )
        referral_reward_grant(order=order)
    completed = (Event.Kind.ORDER_COMPLETED, order_event_payload(order=order, lines=lines), None)
    events = event_rows(
        customer=order.customer,
        events=[(*placed, order.placed_at), completed],
        channel=order.channel,
        location=order.location,
    )
    return [entry] if entry else [], events


def order_points_earn(*, order: Order) -> None:
    """The customer earns the points of the order's total (once: the ledger's reference)."""
    loyalty_earn(
        customer=order.customer,
        reference=order.reference,
        amount=order.total_amount,
        note=_("Order %(number)s") % {"number": order.number},
    )


def _as_prefetched(queryset, rows):
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    return queryset


def _voucher_code(quote: VoucherQuote | None) -> str:
    if quote is None:
        return ""
    return quote.voucher_code.code if quote.voucher_code else (quote.voucher.code or "")


def order_event_payload(*, order: Order, lines: list[PricedLine] | None = None) -> dict:
    """What the timeline (and the campaigns that read it) needs to know about an order."""
    if lines is None:
        lines = [
            PricedLine(line.variant, line.quantity, line.unit_price_amount, line.discount_amount)
            for line in order.lines.select_related("variant")
        ]
    return {
        "order_id": order.pk,
        "number": order.number,
        "channel": order.channel.code,
        "channel_kind": order.channel.kind,
        "location_id": order.location_id,
        "fulfilment": order.fulfilment,
        "status": order.status,
        "total_amount": str(order.total_amount),
        "currency": order.currency,
        "product_ids": sorted({line.variant.product_id for line in lines}),
        "lines": [
            {
                "variant_id": line.variant.pk,
                "product_id": line.variant.product_id,
                "sku": line.variant.sku,
                "quantity": line.quantity,
                "unit_price_amount": str(line.unit_price_amount),
            }
            for line in lines
        ],
    }
