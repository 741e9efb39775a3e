"""POS sales: what a till submits, recorded once however often it is sent.

A sale carries a ``client_uuid`` made by the terminal. A concurrent duplicate waits on the
order's unique ``client_uuid`` index (or, with a voucher or points, on the stock levels
first); when the first commits, the duplicate rolls back and is answered with the first
result. A replay with the same body returns the stored sale; with another body it is an
IdempotencyConflict.

What a sale holds, and for how long (docs/performance.md has the profile): the order
number is taken in a statement of its own before the sale's transaction
(:func:`orders.services.numbers.order_number_and_id_take`, with the order's id), so no sale
waits on another's number;
a refused or duplicate sale leaves a gap in the channel's numbers. Without a voucher,
points or a referral (nothing that locks customer rows), the order, its lines, payments,
events and points are written first and the locks come last, stock levels then the
shift: two sales of the same SKUs at one till wait on each other only for the last few
statements. With them, the stock is taken before the order as before, keeping the global
lock order (stock levels → order → shift → customer rows).
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api.errors import DomainError
from config.money import money_round
from customers.models import Customer, OneTimeCode
from customers.services import one_time_code_consume, points_code_check
from inventory.models import SalesChannel
from inventory.services import stock_offline_sale_record, stock_sell
from orders import locks
from orders.exceptions import IdempotencyConflict, PointsCodeRequired, PosChannelMissing
from orders.models import (
    Cart,
    Fulfilment,
    Order,
    Payment,
    Quote,
    ShiftCashMovement,
    Terminal,
)
from orders.selectors import pos_channel_get, shift_open_id
from orders.services.bundles import bundles_find
from orders.services.checkout import cart_sell_at_till_lock, cart_sold_at_till
from orders.services.numbers import order_number_and_id_take
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
    if points or placed_at is not None:
        # Looked up first only where a replay must not be judged again: the points code
        # is used up by the first, and an old offline sale's time may have aged out since.
        # Otherwise a replay is found at the unique index (the except below).
        replayed = _replay(client_uuid, fingerprints)
        if replayed is not None:
            return replayed, False
    if placed_at is not None:
        sale_placed_at_check(terminal=terminal, placed_at=placed_at)
    code = _points_code_check(customer=customer, points=points, points_code=points_code)
    channel = pos_channel_for(terminal=terminal)
    try:
        # Taken before the sale's transaction and committed at once (a gap if the sale fails).
        number, order_id = order_number_and_id_take(channel=channel)
        with transaction.atomic(durable=True):
            if code is not None:
                one_time_code_consume(row=code, field="points_code")
            order = _sale_write(
                terminal=terminal,
                channel=channel,
                number=number,
                order_id=order_id,
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
        lines=lines_price(
            channel=channel,
            lines=lines,
            trust_client_prices=sold_offline,
            bundles_stamp=not sold_offline,
        ),
        points=points,
    )
    if not sold_offline:
        # An offline sale already happened at the prices the till charged: no combo added.
        pricing.bundles = bundles_find(channel=channel, lines=pricing.lines)
    return pricing


def _sale_write(
    *,
    terminal,
    channel,
    number,
    order_id,
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
    # The shopper's own rows first (global lock order): the web cart (its hold let go),
    # then the quote, checked under its lock.
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
    sale = _Sale(
        terminal=terminal,
        channel=channel,
        pricing=pricing,
        reference=f"order:{number}",
        cashier=cashier,
        sold_offline=sold_offline,
    )
    # Locks in the global order (docs/architecture.md): stock levels, the order, the shift,
    # then the customer rows (the voucher, the points, a referrer's reward). A sale that
    # locks no customer row takes its locks last, after writing the order.
    locks_customers = bool(
        voucher_code or points or referral_code.strip() or (customer and customer.referred_by_id)
    )
    if locks_customers:
        _stock_take(sale)
        shift = locks.shift_open_lock(terminal_id=terminal.pk)
        shift_id = shift and shift.pk
    else:
        # Not locked yet: the order is filed under the open shift the terminal's
        # authentication read; it is locked (and checked) at the end.
        shift_id = shift_open_id(terminal=terminal)
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
        **({"id": order_id} if order_id is not None else {}),
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
        shift_id=shift_id,
        late_sync=shift_id is None,
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
    customer_locked = False
    if not locks_customers:
        _stock_take(sale)
        customer_locked = _shift_confirm(
            order=order, shift_id=shift_id, terminal=terminal, cash=cash
        )
    elif shift is not None and cash:
        shift_sale_cash_add(
            shift=shift, kind=ShiftCashMovement.Kind.SALE, amount=cash, reference=order.number
        )
    # Last: see services.rollups.
    rollup_order_placed(order=order, lines=order.lines.all(), customer_locked=customer_locked)
    return order


@dataclass(frozen=True)
class _Sale:
    terminal: Terminal
    channel: SalesChannel
    pricing: Pricing
    reference: str
    cashier: object
    sold_offline: bool


def _stock_take(sale: _Sale) -> None:
    """The sale's stock leaves the shelf: refused when short online, never when offline."""
    taken = {
        "location": sale.terminal.location,
        "lines": sale.pricing.stock_lines(),
        "reference": sale.reference,
        "channel": sale.channel,
        "actor": sale.cashier,
        "actor_label": f"terminal:{sale.terminal.pk}",
    }
    if sale.sold_offline:
        stock_offline_sale_record(**taken)
        return
    # The channel is the store's own (pos_channel_for found it through the store's link),
    # and a refusal rolls the whole sale back: no re-read of its locations, no savepoint.
    stock_sell(**taken, location_checked=True, savepoint=False)


def _shift_confirm(*, order: Order, shift_id: int | None, terminal: Terminal, cash) -> bool:
    """Lock the terminal's open shift now and put the sale's ``cash`` into its drawer; if it
    is not the one the order was filed under (closed or opened meanwhile), file the order
    under the one that is. On PostgreSQL, when the shift is still the one, in one statement,
    which also locks the order's customer for the rollups: True when it did."""
    one_statement = cash and shift_id is not None and connection.vendor == "postgresql"
    if one_statement and locks.shift_open_lock_with_sale_cash(
        terminal_id=terminal.pk,
        shift_id=shift_id,
        amount=money_round(abs(cash), order.currency),
        currency=order.currency,
        reference=order.number,
        customer_id=order.customer_id,
    ):
        return order.customer_id is not None
    locked = locks.shift_open_lock(terminal_id=terminal.pk)
    if (locked and locked.pk) != shift_id:
        order.shift, order.late_sync = locked, locked is None
        order.save(update_fields=["shift", "late_sync"])
    if locked is not None and cash:
        shift_sale_cash_add(
            shift=locked, kind=ShiftCashMovement.Kind.SALE, amount=cash, reference=order.number
        )
    return False
