"""The only place in ``orders`` that takes row locks (STYLE.md habit 5).

Every flow takes its locks in one global order, whichever app takes them
(docs/architecture.md, "Locks"): the channel's order number, then stock levels (by id),
then an existing order, then the shift, then the customer's rows (vouchers, then the
customer for points). A cart, one shopper's own row, comes before all of them.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from config.compiled import CompiledQuery
from customers.models import Customer
from inventory.locks import stock_levels_lock, stock_levels_lock_by_sku
from inventory.selectors import reservation_list_for_reference
from orders.models import Cart, Order, Quote, Shift, ShiftCashMovement, Voucher, VoucherCode


def shift_lock(*, shift_id: int) -> Shift:
    """Lock one shift row; cash movements and the close serialise on it."""
    return Shift.objects.select_for_update().get(pk=shift_id)


def order_lock(*, order_id: int) -> Order:
    """Lock one order row: status changes and returns of one order happen one at a time.

    Stock comes before orders in the global lock order, so the stock levels the order's
    goods are still reserved on are locked first (by id): a move that then ships, hands
    over or releases them never holds the order while waiting for stock that a sale holds.
    """
    reference = Order.objects.filter(pk=order_id).values_list("stock_reference", flat=True)
    reference = reference.first()
    if reference:
        stock_levels_lock(
            pks=reservation_list_for_reference(reference=reference).values_list(
                "stock_level_id", flat=True
            )
        )
    # Only the order row: the joined channel row is read, never locked (a sale holds it).
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


def order_return_lock(*, order_id: int, location_id: int, skus: Iterable[str]) -> Order:
    """Lock the stock levels the returned goods go back on, then the order (global order)."""
    stock_levels_lock_by_sku(location_id=location_id, skus=skus)
    return order_lock(order_id=order_id)


def order_restock_lock(*, order_id: int, stock_level_ids: Iterable[int]) -> Order:
    """Lock the stock levels goods go back on (several locations at once), then the order."""
    stock_levels_lock(pks=stock_level_ids)
    return order_lock(order_id=order_id)


def voucher_lock(*, voucher_id: int) -> Voucher:
    """Lock one voucher row: redemptions of a voucher take their usage one at a time.

    Lock the voucher before any of its codes (``voucher_code_lock``), always in that order.
    """
    return Voucher.objects.select_for_update().get(pk=voucher_id)


def voucher_code_lock(*, code_id: int) -> VoucherCode:
    """Lock one single-use code row; taken after its voucher's lock."""
    return VoucherCode.objects.select_for_update().get(pk=code_id)


def cart_lock(*, cart_id: int) -> Cart:
    """Lock one cart: a double-clicked checkout or order button runs once at a time."""
    return (
        Cart.objects.select_for_update(of=("self",))
        .select_related("customer", "channel", "pickup_location")
        .get(pk=cart_id)
    )


def quote_lock(*, quote_id: int) -> Quote:
    """Lock one quote: a quote is taken up once, so two checkouts of it (web or till) wait
    here and the second finds it ordered. Like a cart, the shopper's own row: locked after
    the cart and before the channel's number."""
    return Quote.objects.select_for_update(of=("self",)).get(pk=quote_id)


def shift_open_lock(*, terminal_id: int) -> Shift | None:
    """Lock the terminal's open shift, if any: a sale's cash and the shift's close serialise."""
    return next(iter(_OPEN_SHIFT.run(terminal_id=terminal_id)), None)


def shift_open_lock_with_sale_cash(
    *,
    terminal_id: int,
    shift_id: int,
    amount: Decimal,
    currency: str,
    reference: str,
    customer_id: int | None = None,
) -> bool:
    """PostgreSQL: lock the terminal's open shift and, if it is still ``shift_id`` (in
    ``currency``), put a cash sale's ``amount`` into its drawer, in one statement. True when
    the cash went in; otherwise the shift changed (closed or another opened meanwhile) and
    nothing was written: the caller goes the long way (:func:`shift_open_lock`, the lock
    already held).

    With ``customer_id``, when the cash went in the statement also locks that customer's
    row, after the shift (customers come last in the lock order; the lock's condition reads
    the cash movement's part, so the shift is locked first): the sale's rollups need it
    locked (``rollup_order_placed(customer_locked=True)``), one round trip less.
    """
    movement = ShiftCashMovement._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(movement.get_field(name).column)
        for name in ("shift", "kind", "amount", "reason", "reference", "created_at")
    )
    shifts = quote(Shift._meta.db_table)
    customers = quote(Customer._meta.db_table)
    # Names from the models' meta only; every value is a parameter.
    sql = (
        f"WITH s AS (SELECT id, currency FROM {shifts} WHERE terminal_id = %s"  # noqa: S608
        " AND closed_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE),"
        f" m AS (INSERT INTO {quote(movement.db_table)} ({columns})"
        " SELECT s.id, %s, %s, '', %s, %s FROM s WHERE s.id = %s AND s.currency = %s"
        " RETURNING id),"
        f" c AS (SELECT id FROM {customers} WHERE id = %s AND EXISTS (SELECT 1 FROM m)"
        " FOR UPDATE)"
        " SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM c)"
    )
    params = [terminal_id, ShiftCashMovement.Kind.SALE, amount, reference, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, shift_id, currency, customer_id])
        added, _customer = cursor.fetchone()
    return bool(added)


# Every till sale with cash locks it: compiled once per process.
_OPEN_SHIFT = CompiledQuery(
    lambda terminal_id: Shift.objects.select_for_update()
    .filter(terminal_id=terminal_id, closed_at__isnull=True)
    .order_by("pk")[:1],
    terminal_id=-1,
)
