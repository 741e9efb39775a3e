"""The only place in ``orders`` that takes row locks (STYLE.md habit 5)."""

from orders.models import Cart, Order, Shift, Voucher, VoucherCode


def shift_lock(*, shift_id: int) -> Shift:
    """Lock one shift row; cash movements and the close serialise on it."""
    return Shift.objects.select_for_update().get(pk=shift_id)


def order_lock(*, order_id: int) -> Order:
    """Lock one order row: status changes and returns of one order happen one at a time."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


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


def shift_open_lock(*, terminal_id: int) -> Shift | None:
    """Lock the terminal's open shift, if any: a sale's cash and the shift's close serialise."""
    return (
        Shift.objects.select_for_update()
        .filter(terminal_id=terminal_id, closed_at__isnull=True)
        .first()
    )
