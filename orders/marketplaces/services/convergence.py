"""Moving our order to where the platform says it is: forward only, step by step through
the lifecycle services, so duplicated and reordered notices end in the same final state."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Event
from customers.services import event_record
from inventory.models import Location
from inventory.selectors import stock_movement_list_for_reference
from inventory.services import StockLine, stock_return_restock
from orders import locks
from orders.exceptions import OrderTransitionInvalid
from orders.marketplaces.adapters import PlatformStatus
from orders.models import Order, OrderLine, Payment, Return, ReturnLine
from orders.services.lifecycle import order_cancel, order_complete, order_ship
from orders.services.placing import order_event_payload
from orders.services.returns import (
    ReturnLineInput,
    order_return,
    return_line_refund_amount,
    return_reversals_record,
)
from orders.services.rollups import rollup_return_recorded
from orders.statuses import OrderStatus, order_status_check

# Our order statuses seen as the platform's, to compare ranks.
_OUR_RANK = {
    OrderStatus.PENDING_PAYMENT: PlatformStatus.RANK[PlatformStatus.CREATED],
    OrderStatus.CONFIRMED: PlatformStatus.RANK[PlatformStatus.PAID],
    OrderStatus.SHIPPED: PlatformStatus.RANK[PlatformStatus.SHIPPED],
    OrderStatus.COMPLETED: PlatformStatus.RANK[PlatformStatus.DELIVERED],
}


def order_converge(*, order: Order, status: str | None) -> Order:
    """Move ``order`` forward, step by step through the lifecycle services, until it is where
    ``status`` says; never backwards. A step that another worker took first is re-read."""
    for _step in range(8):
        order = Order.objects.select_related("channel").get(pk=order.pk)
        move = _next_move(order.status, status)
        if move is None:
            return order
        try:
            move(order)
        except OrderTransitionInvalid:
            continue  # someone moved it meanwhile: look again
    return order


def _next_move(current: str, target: str | None):
    if target is None or current in (
        OrderStatus.CANCELLED,
        OrderStatus.RETURNED,
        OrderStatus.PARTIALLY_RETURNED,
    ):
        return None
    if target == PlatformStatus.CANCELLED:
        if current in (OrderStatus.CONFIRMED, OrderStatus.PENDING_PAYMENT):
            return lambda order: order_cancel(order=order, reason=_("Cancelled on the marketplace"))
        if current == OrderStatus.SHIPPED:  # cancelled after it left: the parcel comes back
            return _return_undelivered
        return None
    if target == PlatformStatus.RETURNED:
        if current == OrderStatus.CONFIRMED:
            return lambda order: order_ship(order=order)
        if current == OrderStatus.SHIPPED:
            return _return_undelivered
        if current == OrderStatus.COMPLETED:
            return _return_delivered
        return None
    if PlatformStatus.RANK[target] <= _OUR_RANK.get(current, 99):
        return None
    if current == OrderStatus.CONFIRMED:
        return lambda order: order_ship(order=order)
    if current == OrderStatus.SHIPPED:
        return lambda order: order_complete(order=order)
    return None


def _sold_from(order: Order) -> dict[str, tuple[int, int]]:
    """Where each SKU of the order left from (its sale movements): parcels go back there.
    ``(location id, stock level id)`` per SKU."""
    return {
        movement.stock_level.variant.sku: (
            movement.stock_level.location_id,
            movement.stock_level_id,
        )
        for movement in stock_movement_list_for_reference(reference=order.stock_reference)
        if movement.quantity < 0
    }


@transaction.atomic
def _return_undelivered(order: Order) -> Order:
    """The parcel came back without reaching the buyer: everything goes back on the shelf it
    left, the marketplace's money is refunded and the order is returned.

    Recorded as a return (one per location the goods go back to) like any other, so the
    sales rollups count it (``rollup_return_recorded``, the last statement)."""
    sold_from = _sold_from(order)
    # Global lock order: the stock levels the goods go back on, then the order.
    order = locks.order_restock_lock(
        order_id=order.pk, stock_level_ids=[level_id for _loc, level_id in sold_from.values()]
    )
    order_status_check(current=order.status, new=OrderStatus.RETURNED)
    lines = [line for line in order.lines.all() if line.returnable_quantity]
    by_location: dict[int | None, list[OrderLine]] = {}
    for line in lines:
        location_id = sold_from.get(line.sku, (None, None))[0]
        by_location.setdefault(location_id, []).append(line)
    unshelved = by_location.pop(None, [])  # nothing went out for it: nothing to put back
    captured = sum((p.amount for p in order.payments.filter(kind=Payment.Kind.PAYMENT)), start=0)
    reason = _("Parcel returned undelivered")
    returned: list[tuple[Return, list[tuple[OrderLine, int, Decimal]]]] = []
    for location in Location.objects.filter(pk__in=by_location).order_by("pk"):
        group = by_location[location.pk] + (unshelved if not returned else [])
        refunds = [
            (line, line.returnable_quantity,
             return_line_refund_amount(line, line.returnable_quantity, order.currency))
            for line in group
        ]  # fmt: skip
        record = Return.objects.create(
            order=order,
            location=location,
            reason=reason,
            refund_method=Payment.Method.MARKETPLACE,
            # The whole captured amount (shipping too) goes back with the first parcel.
            refund_amount=captured if not returned else Decimal(0),
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(return_record=record, order_line=line, quantity=quantity,
                       refund_amount=amount)
            for line, quantity, amount in refunds
        )  # fmt: skip
        stock_return_restock(
            location=location,
            lines=[StockLine(sku=line.sku, quantity=line.returnable_quantity)
                   for line in by_location[location.pk]],
            reference=f"{order.reference}:returned",
            channel=order.channel,
            reason=reason,
        )  # fmt: skip
        returned.append((record, refunds))
    for line in lines:
        line.returned_quantity = line.quantity
        line.save(update_fields=["returned_quantity"])
    if captured:
        Payment.objects.create(
            order=order,
            kind=Payment.Kind.REFUND,
            method=Payment.Method.MARKETPLACE,
            status=Payment.Status.CAPTURED,
            amount=captured,
            provider_reference=order.external_ref or "",
        )
    order.status = OrderStatus.RETURNED
    order.save(update_fields=["status"])
    if returned:
        # What the order had earned goes back as for any return: the buyer's points, and
        # the referrer's reward if this was a referred friend's order.
        first, _refunds = returned[0]
        return_reversals_record(order=order, record=first, refund=first.refund_amount)
    if order.customer_id:
        event_record(
            customer=order.customer,
            kind=Event.Kind.ORDER_RETURNED,
            channel=order.channel,
            payload={**order_event_payload(order=order), "undelivered": True},
        )
    for record, refunds in returned:  # last: see orders.services.rollups
        rollup_return_recorded(record=record, returned=refunds)
    return order


def _return_delivered(order: Order) -> Order:
    """The buyer sent it back after delivery: a return of every line through the returns
    service, at the location it was sold from, refunded by the marketplace."""
    sold_from = _sold_from(order)
    lines = [line for line in order.lines.all() if line.returnable_quantity]
    location_id = next((sold_from[line.sku][0] for line in lines if line.sku in sold_from), None)
    if not lines or location_id is None:
        return order
    record, _created = order_return(
        order=order,
        location=Location.objects.get(pk=location_id),
        lines=[
            ReturnLineInput(order_line_id=line.pk, quantity=line.returnable_quantity)
            for line in lines
        ],
        reason=_("Returned through the marketplace"),
        refund_method=Payment.Method.MARKETPLACE,
    )
    return record.order
