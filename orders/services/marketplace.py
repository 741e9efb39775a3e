"""Marketplace orders (Shopee, Lazada, Tiki …): ingested once per (channel, external id)."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.services import customer_resolve
from inventory.models import Reservation, SalesChannel
from inventory.services import stock_reserve
from orders.exceptions import IdempotencyConflict, OrderLinesInvalid
from orders.models import Fulfilment, Order, Payment
from orders.services.numbers import order_number_next
from orders.services.placing import (
    LineInput,
    Pricing,
    TenderInput,
    lines_price,
    order_write,
    request_fingerprint,
)
from orders.services.rollups import rollup_order_placed
from orders.statuses import OrderStatus


def marketplace_order_ingest(
    *,
    channel: SalesChannel,
    external_ref: str,
    lines: list[LineInput],
    placed_at: datetime,
    buyer_id: str = "",
    buyer_name: str = "",
    buyer_phone: str = "",
    buyer_email: str = "",
    shipping_address: dict | None = None,
    shipping_amount: Decimal = Decimal(0),
) -> tuple[Order, bool]:
    """Record a marketplace's order; returns ``(order, created)``.

    The marketplace has settled the price, so its line prices are taken as they are; the
    stock is allocated through inventory like any online sale (never below zero: a short
    shelf is refused so the marketplace can cancel). The buyer lands on the one customer
    profile their phone, email or marketplace buyer id already belongs to. Sending the same
    order again returns the first; the same id with other lines is an IdempotencyConflict.
    """
    if channel.kind != SalesChannel.Kind.MARKETPLACE:
        raise OrderLinesInvalid(_("%(channel)s is not a marketplace.") % {"channel": channel})
    if any(line.unit_price_amount is None for line in lines):
        raise OrderLinesInvalid(fields={"lines": [_("Every marketplace line carries its price.")]})
    fingerprint = request_fingerprint(
        {
            "lines": [(line.sku, line.quantity, line.unit_price_amount) for line in lines],
            "buyer": buyer_id,
            "shipping_amount": shipping_amount,
        }
    )
    replayed = _replay(channel, external_ref, fingerprint)
    if replayed is not None:
        return replayed, False
    try:
        with transaction.atomic(durable=True):
            pricing = Pricing(
                currency=channel.currency,
                lines=lines_price(channel=channel, lines=lines, trust_client_prices=True),
                shipping_amount=shipping_amount,
            )
            # Locks in the global order (docs/architecture.md), as the till's sale: the
            # channel's number, the stock levels, then the customer's rows (resolving the
            # buyer and the order's foreign key to them) with the new order.
            number = order_number_next(channel=channel)
            stock_reserve(
                channel=channel,
                lines=pricing.stock_lines(),
                reference=f"order:{number}",
                kind=Reservation.Kind.ALLOCATION,
            )
            customer = None
            if buyer_id or buyer_phone or buyer_email:
                customer = customer_resolve(
                    marketplace_buyer_id=buyer_id or None,
                    phone=buyer_phone or None,
                    email=buyer_email or None,
                    channel=channel,
                    full_name=buyer_name,
                )
            order = order_write(
                channel=channel,
                pricing=pricing,
                number=number,
                status=OrderStatus.CONFIRMED,
                fulfilment=Fulfilment.SHIP,
                customer=customer,
                placed_at=placed_at,
                tenders=[
                    TenderInput(
                        method=Payment.Method.MARKETPLACE,
                        amount=pricing.total_amount,
                        provider_reference=external_ref,
                    )
                ]
                if pricing.total_amount
                else [],
                external_ref=external_ref,
                request_fingerprint=fingerprint,
                contact_name=buyer_name,
                shipping_address=shipping_address or {},
            )
            rollup_order_placed(order=order, lines=order.lines.all())  # last: see services.rollups
    except IntegrityError:
        replayed = _replay(channel, external_ref, fingerprint)
        if replayed is None:
            raise
        return replayed, False
    return order, True


def _replay(channel, external_ref, fingerprint) -> Order | None:
    order = Order.objects.filter(channel=channel, external_ref=external_ref).first()
    if order is not None and order.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            _("Marketplace order %(ref)s was already recorded with other lines.")
            % {"ref": external_ref}
        )
    return order
