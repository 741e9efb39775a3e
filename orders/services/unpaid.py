"""Orders waiting for a payment that never came: cancelled at their due time, stock given back."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import locks
from orders.models import Order, Payment
from orders.services.lifecycle import order_cancel
from orders.statuses import OrderStatus

logger = logging.getLogger(__name__)

UNPAID_BATCH_SIZE = 500
UNPAID_CANCEL_REASON = "payment_due"


def orders_unpaid_expire(*, now: datetime | None = None) -> int:
    """Cancel every order still pending payment past its ``payment_due_at``; returns how many.

    Each order is cancelled in its own transaction through ``order_cancel`` (stock, voucher
    and points go back, the timeline says ``order_cancelled`` with reason ``payment_due``).
    The order's row is locked (``locks.order_lock``) and its status read again under the
    lock, so a payment confirmed meanwhile wins, and two sweeps running at once cancel each
    order once: the second finds it cancelled and skips it. Idempotent.
    """
    now = now or timezone.now()
    due_ids = list(
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_due_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:UNPAID_BATCH_SIZE]
    )
    cancelled = 0
    for order_id in due_ids:
        with transaction.atomic(durable=True):
            order = locks.order_lock(order_id=order_id)
            if order.status != OrderStatus.PENDING_PAYMENT or order.payment_due_at is None:
                continue  # paid, or cancelled by a concurrent sweep, since the read above
            if order.payment_due_at > now:
                continue
            order_cancel(order=order, reason=UNPAID_CANCEL_REASON)
            # The payment that never came is marked so, not left pending forever.
            order.payments.filter(kind=Payment.Kind.PAYMENT, status=Payment.Status.PENDING).update(
                status=Payment.Status.FAILED
            )
            cancelled += 1
    if cancelled:
        logger.info("cancelled %s unpaid orders past their due time", cancelled)
    return cancelled


def order_unpaid_reason(*, order: Order, now: datetime | None = None) -> str:
    """Why ``order`` cannot be paid any more ("" when it can): for the pay-again page."""
    now = now or timezone.now()
    if order.status == OrderStatus.CANCELLED:
        return _("This order was cancelled.")
    if order.status != OrderStatus.PENDING_PAYMENT:
        return _("This order is already paid.")
    if order.payment_due_at is not None and order.payment_due_at <= now:
        return _("The time to pay this order has passed; it will be cancelled.")
    return ""
