"""Returns across channels: whatever was bought on the web, a marketplace or at a till can
be brought back to any store."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from config.money import money_round
from customers.models import Event, LoyaltyEntry
from customers.services import event_record, loyalty_points_for_amount, loyalty_reverse
from inventory.models import Location
from inventory.services import StockLine, stock_return_restock
from orders import locks
from orders.exceptions import IdempotencyConflict, RefundNeedsApproval, ReturnInvalid
from orders.models import Order, OrderLine, Payment, Return, ReturnLine, ShiftCashMovement, Terminal
from orders.selectors import pos_channel_get
from orders.services.lifecycle import order_returned_mark
from orders.services.placing import request_fingerprint
from orders.services.referrals import referral_reward_reverse
from orders.services.rollups import rollup_return_recorded
from orders.services.shifts import shift_cash_record
from orders.statuses import OrderStatus

RETURNABLE = {OrderStatus.COMPLETED, OrderStatus.PARTIALLY_RETURNED}


@dataclass(frozen=True)
class ReturnLineInput:
    order_line_id: int
    quantity: int


def order_return(
    *,
    order: Order,
    location: Location,
    lines: list[ReturnLineInput],
    reason: str,
    refund_method: str = "",
    actor=None,
    terminal: Terminal | None = None,
    client_uuid: uuid.UUID | None = None,
) -> tuple[Return, bool]:
    """Take goods back at ``location``; returns ``(return, created)``.

    Never more than was bought minus what was already returned. The goods go back on that
    store's shelf, the shopper is refunded what they paid for those units (their share of
    any discount included), the points earned on them are taken back and the timeline
    records it. With ``client_uuid`` (a till) a retry returns the first result.

    Money goes back the way it came: without ``refund_method`` to the tender the order was
    paid with. A refund in another tender, of more cash than the order took, or of another
    channel's order at a till needs ``actor`` to hold ``orders.refund_cross_channel_return``
    (RefundNeedsApproval otherwise, nothing written); the return records them as approver.
    """
    legacy = {
        "order": order.pk,
        "location": location.pk,
        "lines": sorted((line.order_line_id, line.quantity) for line in lines),
        "refund_method": refund_method,
    }
    # Every field of the request: a replay with another reason or cashier is a 409.
    fingerprint = request_fingerprint(
        {**legacy, "reason": reason, "actor": actor.pk if actor else None}
    )
    fingerprints = (fingerprint, request_fingerprint(legacy))
    if client_uuid is not None:
        replayed = _replay(client_uuid, fingerprints)
        if replayed is not None:
            return replayed, False
    try:
        with transaction.atomic(durable=True):
            return _return_write(
                order=order,
                location=location,
                lines=lines,
                reason=reason,
                refund_method=refund_method,
                actor=actor,
                terminal=terminal,
                client_uuid=client_uuid,
                fingerprint=fingerprint,
            ), True
    except IntegrityError:
        replayed = _replay(client_uuid, fingerprints) if client_uuid else None
        if replayed is None:
            raise
        return replayed, False


def _replay(client_uuid, fingerprints: tuple[str, str]) -> Return | None:
    """As for sales (``orders.services.pos._replay``): this request's fingerprint, or the
    legacy one of returns recorded before it covered every field."""
    existing = Return.objects.filter(client_uuid=client_uuid).first()
    if existing is not None and existing.request_fingerprint not in fingerprints:
        raise IdempotencyConflict()
    return existing


def _return_write(
    *, order, location, lines, reason, refund_method, actor, terminal, client_uuid, fingerprint
) -> Return:
    # The order row is locked before anything is counted: two returns of one order are taken
    # one after the other, so neither can return what the other just took back. The stock
    # levels the goods go back on are locked just before it (stock, then the order).
    order = locks.order_return_lock(
        order_id=order.pk,
        location_id=location.pk,
        skus=OrderLine.objects.filter(order_id=order.pk).values_list("sku", flat=True),
    )
    order_lines = {line.pk: line for line in order.lines.select_related("variant")}
    asked = _return_clean(
        order=order,
        order_lines=order_lines,
        lines=lines,
        reason=reason,
        refund_method=refund_method,
    )
    refunds = {
        line_id: return_line_refund_amount(order_lines[line_id], quantity, order.currency)
        for line_id, quantity in asked.items()
    }
    refund_total = sum(refunds.values(), Decimal(0))
    refund_method, approved_by = _refund_tender(
        order=order, refund_method=refund_method, refund=refund_total, actor=actor,
        terminal=terminal,
    )  # fmt: skip
    record = Return.objects.create(
        order=order, location=location, reason=reason, refund_method=refund_method,
        refund_amount=refund_total, terminal=terminal, created_by=actor,
        approved_by=approved_by, client_uuid=client_uuid, request_fingerprint=fingerprint,
    )  # fmt: skip
    ReturnLine.objects.bulk_create(
        ReturnLine(return_record=record, order_line=order_lines[line_id], quantity=quantity,
                   refund_amount=refunds[line_id])
        for line_id, quantity in asked.items()
    )  # fmt: skip
    for line_id, quantity in asked.items():
        OrderLine.objects.filter(pk=line_id).update(
            returned_quantity=F("returned_quantity") + quantity
        )
    reference = f"return:{record.pk}"
    stock_return_restock(
        location=location,
        lines=[StockLine(sku=order_lines[i].sku, quantity=q) for i, q in asked.items()],
        reference=reference,
        channel=order.channel,
        reason=reason,
        actor=actor,
        actor_label=f"terminal:{terminal.pk}" if terminal else "",
    )
    if refund_total:
        Payment.objects.create(
            order=order, kind=Payment.Kind.REFUND, method=refund_method,
            status=Payment.Status.CAPTURED, amount=refund_total, provider_reference=reference,
        )  # fmt: skip
        shift = terminal.shifts.filter(closed_at__isnull=True).first() if terminal else None
        if shift is not None and refund_method == Payment.Method.CASH:
            shift_cash_record(
                shift=shift,
                kind=ShiftCashMovement.Kind.REFUND,
                amount=refund_total,
                reference=reference,
            )
    fully_returned = all(
        line.returned_quantity + asked.get(line.pk, 0) >= line.quantity
        for line in order_lines.values()
    )
    order = order_returned_mark(locked_order=order, fully_returned=fully_returned)
    return_reversals_record(order=order, record=record, refund=refund_total)
    if order.customer_id:
        event_record(
            customer=order.customer,
            kind=Event.Kind.ORDER_RETURNED,
            channel=order.channel,
            location=location,
            payload={
                "order_id": order.pk,
                "number": order.number,
                "return_id": record.pk,
                "refund_amount": str(refund_total),
                "currency": order.currency,
                "fully_returned": fully_returned,
                "lines": [
                    {"variant_id": order_lines[i].variant_id,
                     "product_id": order_lines[i].variant.product_id, "quantity": q}
                    for i, q in asked.items()
                ],
            },
        )  # fmt: skip
    rollup_return_recorded(  # last: see services.rollups
        record=record, returned=[(order_lines[i], q, refunds[i]) for i, q in asked.items()]
    )
    return record


def _return_clean(*, order, order_lines, lines, reason, refund_method) -> dict[int, int]:
    """The quantities asked per order line, or ReturnInvalid saying what is wrong.

    ``order`` is locked, so what can still be returned cannot change under us.
    """
    if order.status not in RETURNABLE:
        raise ReturnInvalid(
            _("Order %(number)s is %(status)s; only a completed order can be returned.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if not reason.strip():
        raise ReturnInvalid(fields={"reason": [_("Say why the goods come back.")]})
    if refund_method and (
        refund_method not in Payment.Method.values or refund_method == Payment.Method.LOYALTY
    ):
        raise ReturnInvalid(fields={"refund_method": [_("Choose how the shopper is refunded.")]})
    asked: dict[int, int] = {}
    for line in lines:
        asked[line.order_line_id] = asked.get(line.order_line_id, 0) + line.quantity
    errors = {}
    for line_id, quantity in asked.items():
        error = _return_line_error(order, order_lines.get(line_id), quantity)
        if error:
            errors[str(line_id)] = [error]
    if not asked:
        errors["lines"] = [_("Choose what comes back.")]
    if errors:
        raise ReturnInvalid(_("Some lines cannot be returned as asked; see fields."), fields=errors)
    return asked


# Cash on delivery is cash: the courier took banknotes.
CASH_LIKE = {Payment.Method.CASH, Payment.Method.COD}


def _refund_tender(*, order, refund_method, refund, actor, terminal) -> tuple[str, object]:
    """The refund's tender (the original one by default) and who approved an exception.

    Nothing is written here: a refusal leaves the return unrecorded.
    """
    paid = list(
        order.payments.filter(kind=Payment.Kind.PAYMENT).exclude(status=Payment.Status.FAILED)
    )
    methods = {payment.method for payment in paid}
    if not refund_method:
        if len(methods) != 1:
            raise ReturnInvalid(
                fields={"refund_method": [_("The order was paid in several ways (or not at "
                                            "all): choose how the shopper is refunded.")]}
            )  # fmt: skip
        refund_method = next(iter(methods))
        if refund_method == Payment.Method.COD:
            refund_method = Payment.Method.CASH
    if not refund:
        return refund_method, None
    needs = []
    if terminal is not None and order.channel_id != getattr(
        pos_channel_get(terminal=terminal), "pk", None
    ):
        needs.append(_("the order is another channel's"))
    same = CASH_LIKE if refund_method in CASH_LIKE else {refund_method}
    if not methods & same:
        needs.append(_("the order was not paid in this tender"))
    elif refund_method == Payment.Method.CASH and refund > _cash_left(order, paid):
        needs.append(_("it is more cash than the order took"))
    if not needs:
        return refund_method, None
    if actor is None or not actor.has_perm("orders.refund_cross_channel_return"):
        raise RefundNeedsApproval(
            fields={"refund_method": [_("A manager must approve: %(why)s.")
                                      % {"why": "; ".join(needs)}]}
        )  # fmt: skip
    return refund_method, actor


def _cash_left(order, paid) -> Decimal:
    """Cash the order took (at the till or on delivery) minus cash already refunded."""
    taken = sum((p.amount for p in paid if p.method in CASH_LIKE), Decimal(0))
    refunded = order.payments.filter(
        kind=Payment.Kind.REFUND, method=Payment.Method.CASH
    ).aggregate(total=Sum("amount"))["total"]
    return taken - (refunded or Decimal(0))


def _return_line_error(order, line, quantity) -> str:
    if line is None:
        return _("This line is not part of order %(number)s.") % {"number": order.number}
    if quantity <= 0:
        return _("Return at least one unit.")
    if quantity > line.returnable_quantity:
        return _("%(sku)s: %(left)d can still be returned (%(bought)d bought, "
                 "%(returned)d already returned).") % {
            "sku": line.sku, "left": line.returnable_quantity, "bought": line.quantity,
            "returned": line.returned_quantity,
        }  # fmt: skip
    return ""


def return_line_refund_amount(line: OrderLine, quantity: int, currency: str) -> Decimal:
    """What the shopper paid for these units: each return takes its exact share, and all the
    returns of a line add up to the line's total."""
    before = line.returned_quantity
    paid_up_to = lambda units: money_round(line.total_amount * units / line.quantity, currency)  # noqa: E731
    return paid_up_to(before + quantity) - paid_up_to(before)


def return_reversals_record(*, order: Order, record: Return, refund: Decimal) -> None:
    """Take back what the returned goods had earned: the buyer's points on the refunded
    amount (noted on ``record``), and the referrer's reward when what the friend keeps no
    longer qualifies (``referrals.referral_reward_reverse``).

    Every way goods come back calls it once the return is recorded and the order's status
    set: a return at a till or in the admin (:func:`order_return`, also for a marketplace's
    returns) and a marketplace parcel that came back undelivered, so the rules are the same
    whichever way the goods came back. The customers' rows come last in the lock order.
    """
    if order.customer_id:
        record.points_reversed = _points_back(order=order, record=record, refund=refund)
        record.save(update_fields=["points_reversed"])
    referral_reward_reverse(order=order)


def _points_back(*, order: Order, record: Return, refund: Decimal) -> int:
    """Take back the points earned on the refunded amount, never more than were earned."""
    earned = (
        LoyaltyEntry.objects.filter(reference=order.reference, kind=LoyaltyEntry.Kind.EARN)
        .values_list("points", flat=True)
        .first()
    )
    if not earned:
        return 0
    already = sum(order.returns.exclude(pk=record.pk).values_list("points_reversed", flat=True))
    points = min(loyalty_points_for_amount(amount=refund), earned - already)
    if points <= 0:
        return 0
    loyalty_reverse(
        customer=order.customer, reference=f"return:{record.pk}", points=points,
        note=_("Returned from %(number)s") % {"number": order.number},
    )  # fmt: skip
    return points
