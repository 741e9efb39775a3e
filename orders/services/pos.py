"""POS sales: what a till submits, recorded once however often it is sent.

A sale carries a ``client_uuid`` made by the terminal. The order row with that uuid is
inserted first, before any stock is touched, so a concurrent duplicate waits on the unique
index and, when the first commits, is answered with the first result. A replay with the
same body returns the stored sale; with another body it is an IdempotencyConflict.
"""

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from inventory.models import SalesChannel
from inventory.services import stock_offline_sale_record, stock_sell
from orders import locks
from orders.exceptions import IdempotencyConflict, PosChannelMissing
from orders.models import Fulfilment, Order, Payment, ShiftCashMovement, Terminal
from orders.selectors import pos_channel_get
from orders.services.placing import (
    LineInput,
    Pricing,
    TenderInput,
    discounts_apply,
    lines_price,
    order_write,
    request_fingerprint,
    tenders_check,
)
from orders.services.rollups import rollup_order_placed
from orders.services.shifts import shift_sale_cash_add
from orders.services.vouchers import voucher_quote
from orders.statuses import OrderStatus


def pos_channel_for(*, terminal: Terminal) -> SalesChannel:
    """The POS channel of the terminal's store (each store has one, selling from it alone)."""
    channel = pos_channel_get(terminal=terminal)
    if channel is None:
        raise PosChannelMissing(
            _("%(store)s has no active POS sales channel; ask the store manager to add one.")
            % {"store": terminal.location}
        )
    return channel


def pos_sale_submit(
    *,
    terminal: Terminal,
    client_uuid: uuid.UUID,
    lines: list[LineInput],
    tenders: list[TenderInput],
    customer: Customer | None = None,
    cashier=None,
    voucher_code: str = "",
    points: int = 0,
    placed_at: datetime | None = None,
    sold_offline: bool = False,
    note: str = "",
) -> tuple[Order, bool]:
    """Record a sale made at ``terminal``; returns ``(order, created)``.

    Online sales take stock through inventory's allocation and are refused when the shelf
    is short. Offline sales already happened: they are recorded even if the shelf count
    says zero (inventory raises a discrepancy). The sale is attached to the terminal's open
    shift, or marked ``late_sync`` when none is open; it is never refused for that.
    """
    fingerprint = request_fingerprint(
        {
            "terminal": terminal.pk,
            "lines": [(line.sku, line.quantity, line.unit_price_amount) for line in lines],
            "tenders": [
                (tender.method, tender.amount, tender.tendered_amount) for tender in tenders
            ],
            "customer": customer.pk if customer else None,
            "voucher": voucher_code.strip().upper(),
            "points": points,
            "placed_at": placed_at.isoformat() if placed_at else None,
            "offline": sold_offline,
        }
    )
    replayed = _replay(client_uuid, fingerprint)
    if replayed is not None:
        return replayed, False
    try:
        with transaction.atomic(durable=True):
            order = _sale_write(
                terminal=terminal,
                client_uuid=client_uuid,
                fingerprint=fingerprint,
                lines=lines,
                tenders=tenders,
                customer=customer,
                cashier=cashier,
                voucher_code=voucher_code,
                points=points,
                placed_at=placed_at or timezone.now(),
                sold_offline=sold_offline,
                note=note,
            )
    except IntegrityError:
        # A duplicate of this sale committed first (same client_uuid): answer with it.
        replayed = _replay(client_uuid, fingerprint)
        if replayed is None:
            raise
        return replayed, False
    return order, True


def _replay(client_uuid: uuid.UUID, fingerprint: str) -> Order | None:
    order = Order.objects.filter(client_uuid=client_uuid).first()
    if order is not None and order.request_fingerprint != fingerprint:
        raise IdempotencyConflict()
    return order


def _sale_write(
    *,
    terminal,
    client_uuid,
    fingerprint,
    lines,
    tenders,
    customer,
    cashier,
    voucher_code,
    points,
    placed_at,
    sold_offline,
    note,
) -> Order:
    channel = pos_channel_for(terminal=terminal)
    pricing = Pricing(
        currency=channel.currency,
        lines=lines_price(channel=channel, lines=lines, trust_client_prices=sold_offline),
        points=points,
    )
    if voucher_code:
        pricing.voucher = voucher_quote(
            code=voucher_code,
            channel=channel,
            customer=customer,
            subtotal_amount=pricing.subtotal_amount,
        )
    discounts_apply(pricing=pricing)
    tenders_check(tenders=tenders, total=pricing.total_amount, currency=pricing.currency)
    # The open shift is locked for the rest of the sale: it cannot close while its cash
    # is being counted in. No open shift: the sale is kept and marked for late sync.
    shift = locks.shift_open_lock(terminal_id=terminal.pk)
    now = timezone.now()
    # A sale at the till is complete when it is written: the goods leave with the shopper.
    order = order_write(
        channel=channel,
        pricing=pricing,
        status=OrderStatus.COMPLETED,
        completed_at=now,
        fulfilment=Fulfilment.CARRY_OUT,
        customer=customer,
        placed_at=placed_at,
        location=terminal.location,
        tenders=tenders,
        client_uuid=client_uuid,
        request_fingerprint=fingerprint,
        terminal=terminal,
        shift=shift,
        late_sync=shift is None,
        cashier=cashier,
        sold_offline=sold_offline,
        note=note,
    )
    actor_label = f"terminal:{terminal.pk}"
    if sold_offline:
        stock_offline_sale_record(
            location=terminal.location,
            lines=pricing.stock_lines(),
            reference=order.reference,
            channel=channel,
            actor=cashier,
            actor_label=actor_label,
        )
    else:
        stock_sell(
            channel=channel,
            lines=pricing.stock_lines(),
            reference=order.reference,
            location=terminal.location,
            actor=cashier,
            actor_label=actor_label,
        )
    cash = sum((tender.amount for tender in tenders if tender.method == Payment.Method.CASH), 0)
    if shift is not None and cash:
        shift_sale_cash_add(
            shift=shift, kind=ShiftCashMovement.Kind.SALE, amount=cash, reference=order.number
        )
    rollup_order_placed(order=order, lines=order.lines.all())  # last: see services.rollups
    return order
