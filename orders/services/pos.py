"""POS sales: what a till submits, recorded once however often it is sent.

A sale carries a ``client_uuid`` made by the terminal. A concurrent duplicate waits on the
channel's order number (the first lock of every sale) and then on the unique index; when
the first commits, the duplicate rolls back and is answered with the first result. A replay with the
same body returns the stored sale; with another body it is an IdempotencyConflict.
"""

import uuid
from dataclasses import asdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api.errors import DomainError
from customers.models import Customer, OneTimeCode
from customers.services import one_time_code_consume, points_code_check
from inventory.models import SalesChannel
from inventory.services import stock_offline_sale_record, stock_sell
from orders import locks
from orders.exceptions import IdempotencyConflict, PointsCodeRequired, PosChannelMissing
from orders.models import Cart, Fulfilment, Order, Payment, Quote, ShiftCashMovement, Terminal
from orders.selectors import pos_channel_get
from orders.services.bundles import bundles_find
from orders.services.checkout import cart_sell_at_till_lock, cart_sold_at_till
from orders.services.numbers import order_number_next
from orders.services.offline import (
    price_discrepancies_find,
    price_discrepancies_record,
    sale_placed_at_check,
)
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
from orders.services.quotes import (
    quote_accept,
    quote_lines_price,
    quote_savings,
    quote_take_lock,
)
from orders.services.referrals import referral_apply, referral_welcome_quote
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
    points_code: str = "",
    placed_at: datetime | None = None,
    sold_offline: bool = False,
    note: str = "",
    referral_code: str = "",
    quote: Quote | None = None,
    web_cart: Cart | None = None,
) -> tuple[Order, bool]:
    """Record a sale made at ``terminal``; returns ``(order, created)``.

    Online sales take stock through inventory's allocation and are refused when the shelf
    is short. Offline sales already happened: they are recorded even if the shelf count
    says zero (inventory raises a discrepancy). The sale is attached to the terminal's open
    shift, or marked ``late_sync`` when none is open; it is never refused for that.

    Points are spent only with ``points_code``, the code the customer was sent
    (:func:`customers.services.points_code_send`); it is checked before the sale's
    transaction (a wrong guess counts even though nothing else is written) and used up in
    it. A replay of a recorded sale needs no code: it returns the first result.

    With ``quote`` the lines are the quote's, at its prices and discount (no combo added);
    the quote must still be open, and is taken up by this sale. With ``web_cart`` (the
    customer's open web cart being rung up) that cart's checkout hold is let go before the
    stock is taken and the cart is closed as this sale.
    """
    legacy = {
        "terminal": terminal.pk,
        "lines": [(line.sku, line.quantity, line.unit_price_amount) for line in lines],
        "tenders": [(tender.method, tender.amount, tender.tendered_amount) for tender in tenders],
        "customer": customer.pk if customer else None,
        "voucher": voucher_code.strip().upper(),
        "points": points,
        "placed_at": placed_at.isoformat() if placed_at else None,
        "offline": sold_offline,
    }
    # Every field of the request, so a replay that changed any of them (the note, the
    # cashier, a payment's reference) is a 409 and not silently answered with the first.
    fingerprint = request_fingerprint(
        {
            **legacy,
            "lines": [asdict(line) for line in lines],
            "tenders": [asdict(tender) for tender in tenders],
            "cashier": cashier.pk if cashier else None,
            "note": note,
            "referral": referral_code.strip().upper(),
            # Only when given: the fingerprints of every other sale stay as they were.
            **({"quote": quote.pk} if quote is not None else {}),
            **({"web_cart": str(web_cart.token)} if web_cart is not None else {}),
        }
    )
    fingerprints = (fingerprint, request_fingerprint(legacy))
    replayed = _replay(client_uuid, fingerprints)
    if replayed is not None:
        return replayed, False
    if placed_at is not None:
        sale_placed_at_check(terminal=terminal, placed_at=placed_at)
    code = _points_code_check(customer=customer, points=points, points_code=points_code)
    try:
        with transaction.atomic(durable=True):
            if code is not None:
                one_time_code_consume(row=code, field="points_code")
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
                referral_code=referral_code,
                quote=quote,
                web_cart=web_cart,
            )
    except (IntegrityError, DomainError):
        # A duplicate of this sale committed first (same client_uuid): answer with it. It
        # may surface as a refusal rather than at the unique index: waiting on the channel's
        # number, this one then counted the first one's units as gone (insufficient stock).
        replayed = _replay(client_uuid, fingerprints)
        if replayed is None:
            raise
        return replayed, False
    return order, True


def _points_code_check(*, customer, points: int, points_code: str) -> OneTimeCode | None:
    """The customer's checked points code, when points are spent; a refusal naming
    ``points_code`` otherwise."""
    if not points or customer is None:
        return None  # no points, or no customer (placing refuses points without one)
    if not points_code.strip():
        raise PointsCodeRequired(fields={"points_code": [PointsCodeRequired.default_detail]})
    return points_code_check(customer=customer, code=points_code)


def _replay(client_uuid: uuid.UUID, fingerprints: tuple[str, str]) -> Order | None:
    """The sale already recorded under ``client_uuid``, if the request is the same.

    ``fingerprints`` are this request's, and its legacy one (fewer fields): sales recorded
    before the fingerprint covered every field still answer their replays. The legacy one
    can go once no till holds an unsent sale from before 2026-12.
    """
    order = Order.objects.filter(client_uuid=client_uuid).first()
    if order is not None and order.request_fingerprint not in fingerprints:
        raise IdempotencyConflict()
    return order


def _sale_lines_price(*, channel, lines, points, sold_offline, quote) -> Pricing:
    """The sale's lines priced, with their combos or the quote's discount."""
    if quote is not None:
        # Sold as quoted: the quote's lines, prices and discount, no combo added.
        pricing = Pricing(
            currency=channel.currency,
            lines=quote_lines_price(quote=quote, channel=channel),
            points=points,
        )
        pricing.bundles = quote_savings(quote=quote, lines=pricing.lines)
        return pricing
    pricing = Pricing(
        currency=channel.currency,
        lines=lines_price(channel=channel, lines=lines, trust_client_prices=sold_offline),
        points=points,
    )
    if not sold_offline:
        # An offline sale already happened at the prices the till charged: no combo added.
        pricing.bundles = bundles_find(channel=channel, lines=pricing.lines)
    return pricing


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
    referral_code="",
    quote=None,
    web_cart=None,
) -> Order:
    channel = pos_channel_for(terminal=terminal)
    # The shopper's own rows before the channel's number (global lock order): the web cart
    # (its hold let go), then the quote, checked under its lock.
    if web_cart is not None:
        web_cart = cart_sell_at_till_lock(cart_id=web_cart.pk)
    if quote is not None:
        quote = quote_take_lock(quote_id=quote.pk, customer_id=customer.pk if customer else None)
    if referral_code.strip():
        referral_apply(customer=customer, code=referral_code)
    pricing = _sale_lines_price(
        channel=channel, lines=lines, points=points, sold_offline=sold_offline, quote=quote
    )
    if voucher_code:
        pricing.voucher = voucher_quote(
            code=voucher_code,
            channel=channel,
            customer=customer,
            subtotal_amount=pricing.subtotal_amount - pricing.bundle_amount,
        )
    elif referral_code.strip():
        pricing.voucher = referral_welcome_quote(
            customer=customer,
            channel=channel,
            subtotal_amount=pricing.subtotal_amount - pricing.bundle_amount,
        )
    discounts_apply(pricing=pricing)
    tenders_check(tenders=tenders, total=pricing.total_amount, currency=pricing.currency)
    # Locks in the global order (docs/architecture.md): the channel's number, the stock
    # levels, the shift, then the new order's voucher and the customer's points.
    number = order_number_next(channel=channel)
    reference = f"order:{number}"
    actor_label = f"terminal:{terminal.pk}"
    if sold_offline:
        stock_offline_sale_record(
            location=terminal.location,
            lines=pricing.stock_lines(),
            reference=reference,
            channel=channel,
            actor=cashier,
            actor_label=actor_label,
        )
    else:
        stock_sell(
            channel=channel,
            lines=pricing.stock_lines(),
            reference=reference,
            location=terminal.location,
            actor=cashier,
            actor_label=actor_label,
        )
    # The open shift is locked for the rest of the sale: it cannot close while its cash
    # is being counted in. No open shift: the sale is kept and marked for late sync.
    shift = locks.shift_open_lock(terminal_id=terminal.pk)
    now = timezone.now()
    # What the till charged stands (the sale happened); a price the catalog disagrees with
    # waits for the manager before it earns points.
    discrepancies = (
        price_discrepancies_find(lines=pricing.lines, currency=pricing.currency)
        if sold_offline
        else []
    )
    # A sale at the till is complete when it is written: the goods leave with the shopper.
    order = order_write(
        channel=channel,
        pricing=pricing,
        number=number,
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
        earn_points=not discrepancies,
    )
    if discrepancies:
        price_discrepancies_record(order=order, discrepancies=discrepancies)
    if quote is not None:
        quote_accept(quote=quote, order=order)
    if web_cart is not None:
        cart_sold_at_till(cart=web_cart, order=order)
    cash = sum((tender.amount for tender in tenders if tender.method == Payment.Method.CASH), 0)
    if shift is not None and cash:
        shift_sale_cash_add(
            shift=shift, kind=ShiftCashMovement.Kind.SALE, amount=cash, reference=order.number
        )
    rollup_order_placed(order=order, lines=order.lines.all())  # last: see services.rollups
    return order
