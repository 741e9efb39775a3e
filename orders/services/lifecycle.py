"""Moving an order through its statuses (the table is in ``orders.statuses``).

Each move locks the order, checks the table, does what the move means for stock, money,
points and the timeline, and saves, all in one transaction.
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Event
from customers.services import event_record, loyalty_earn
from inventory.selectors import reservation_list_for_reference
from inventory.services import reservation_release, stock_sale_commit
from orders import locks
from orders.exceptions import OrderTransitionInvalid, PickupCodeInvalid
from orders.models import Fulfilment, Order, Payment
from orders.services.placing import order_completion_record, order_event_payload
from orders.services.rollups import rollup_order_cancelled
from orders.services.vouchers import voucher_release
from orders.statuses import OrderStatus, order_status_check

PICKUP_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _move(order: Order, new: str, **fields) -> Order:
    locked = locks.order_lock(order_id=order.pk)
    return _status_set(locked, new, **fields)


def _status_set(locked: Order, new: str, **fields) -> Order:
    """Check the table and save the move on an order whose row the caller has locked."""
    order_status_check(current=locked.status, new=new)
    locked.status = new
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", *fields])
    return locked


def _actor_label(actor) -> str:
    return str(actor) if actor is not None else ""


@transaction.atomic
def order_confirm(*, order: Order) -> Order:
    """The payment arrived (or none is due before delivery): the order goes ahead."""
    order = _move(order, OrderStatus.CONFIRMED)
    order.payments.filter(status=Payment.Status.PENDING).exclude(
        method__in=[Payment.Method.COD]
    ).update(status=Payment.Status.CAPTURED)
    return order


def _require_fulfilment(order: Order, fulfilment: str) -> None:
    if order.fulfilment != fulfilment:
        raise OrderTransitionInvalid(
            _("Order %(number)s is for %(fulfilment)s.")
            % {"number": order.number, "fulfilment": order.get_fulfilment_display()}
        )


@transaction.atomic
def order_ship(*, order: Order, actor=None) -> Order:
    """The parcel left: its goods leave the shelf (on hand down, sale in the ledger)."""
    _require_fulfilment(order, Fulfilment.SHIP)
    order = _move(order, OrderStatus.SHIPPED)
    stock_sale_commit(reference=order.stock_reference, actor=actor, actor_label=_actor_label(actor))
    return order


@transaction.atomic
def order_ready_for_pickup(*, order: Order) -> Order:
    """Staff have put the order aside at the store; the shopper gets a pick-up code.

    Idempotent: an order already ready is answered as it is (its code unchanged)."""
    _require_fulfilment(order, Fulfilment.PICKUP)
    locked = locks.order_lock(order_id=order.pk)
    if locked.status == OrderStatus.READY_FOR_PICKUP:
        return locked
    code = "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _ in range(6))
    return _status_set(locked, OrderStatus.READY_FOR_PICKUP, pickup_code=code)


@transaction.atomic
def order_pickup_hand_over(*, order: Order, code: str, actor=None) -> Order:
    """The shopper showed the code at the store: hand the goods over and complete the order.

    ``actor`` is recorded as ``handed_over_by``. Idempotent: an order this code already
    completed is answered as it is (a retry after a lost answer), nothing done twice.
    """
    locked = locks.order_lock(order_id=order.pk)
    if locked.status == OrderStatus.COMPLETED and locked.pickup_code:
        if not code or code.strip().upper() != locked.pickup_code:
            raise PickupCodeInvalid()
        return locked
    if locked.status != OrderStatus.READY_FOR_PICKUP:
        raise OrderTransitionInvalid(
            _("Order %(number)s is not ready for pick-up (it is %(status)s).")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if not code or code.strip().upper() != locked.pickup_code:
        raise PickupCodeInvalid()
    stock_sale_commit(
        reference=locked.stock_reference, actor=actor, actor_label=_actor_label(actor)
    )
    locked.handed_over_by = actor
    locked.save(update_fields=["handed_over_by"])
    return order_complete(order=locked)


@transaction.atomic
def order_complete(*, order: Order) -> Order:
    """The shopper has the goods: points are earned and the timeline says so.

    Stock has already left the shelf (at shipping, at hand-over, or at the till).
    """
    order = _move(order, OrderStatus.COMPLETED, completed_at=timezone.now())
    if order.stock_reference and reservation_list_for_reference(reference=order.stock_reference):
        # Completed straight from confirmed (delivered without a "shipped" step): the goods
        # have left, so their allocation becomes a sale now.
        stock_sale_commit(reference=order.stock_reference)
    order_completion_record(order=order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, reason: str = "") -> Order:
    """Cancel before the goods left: stock, voucher and points go back."""
    order = _move(order, OrderStatus.CANCELLED, cancelled_at=timezone.now())
    if order.stock_reference:
        reservation_release(reference=order.stock_reference)
    voucher_release(order=order)
    if order.customer_id:
        if order.points_redeemed:
            loyalty_earn(
                customer=order.customer,
                reference=f"{order.reference}:cancelled",
                points=order.points_redeemed,
                note=_("Points given back: %(number)s cancelled") % {"number": order.number},
            )
        event_record(
            customer=order.customer,
            kind=Event.Kind.ORDER_CANCELLED,
            channel=order.channel,
            payload={**order_event_payload(order=order), "reason": reason},
        )
    rollup_order_cancelled(order=order)  # last: see services.rollups
    return order


def order_returned_mark(*, locked_order: Order, fully_returned: bool) -> Order:
    """Goods came back (``orders.services.returns``): the order becomes returned, or
    partially returned while something is left to return.

    ``locked_order`` is the row the return already locked (``locks.order_lock``) before it
    counted what can still be returned; it is not locked a second time.
    """
    new = OrderStatus.RETURNED if fully_returned else OrderStatus.PARTIALLY_RETURNED
    # What the goods had earned (points, a referrer's reward) is taken back by the returns
    # service once the return is recorded (``returns.return_reversals_record``).
    return _status_set(locked_order, new)
