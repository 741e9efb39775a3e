"""Paying a web order by card, through the configured provider (``orders.payments``)."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from config.api.errors import DomainError
from customers.models import Event
from customers.services import event_record
from orders.models import Order, Payment
from orders.services.lifecycle import order_confirm
from orders.statuses import OrderStatus

logger = logging.getLogger(__name__)


def payment_idempotency_key(*, order: Order, payment: Payment) -> str:
    """The key a provider sees for this payment: the same on every retry of it."""
    return f"{order.reference}:payment:{payment.pk}"


def order_payment_card(*, order: Order, provider) -> tuple[Order, bool, str]:
    """Charge the order's pending card payment; returns ``(order, ok, message)``.

    Approved: the payment is captured and the order confirmed. Declined: the order stays
    pending payment and the customer's timeline records ``payment_failed`` (so a flow can
    remind them). The provider is called outside any transaction: no lock is held while
    waiting on the network. The charge carries the payment's idempotency key; when the
    order can no longer be confirmed once the charge is back (cancelled or expired in
    between), the charge is voided and the order is left as it is.
    """
    payment = order.payments.filter(
        method=Payment.Method.CARD, status=Payment.Status.PENDING, kind=Payment.Kind.PAYMENT
    ).first()
    if payment is None or order.status != OrderStatus.PENDING_PAYMENT:
        return order, order.status != OrderStatus.PENDING_PAYMENT, ""
    key = payment_idempotency_key(order=order, payment=payment)
    ok, reference, message = provider.charge(order, payment.amount, idempotency_key=key)
    if ok:
        try:
            with transaction.atomic(durable=True):
                order = order_confirm(order=order)
                payment.provider_reference = reference[:100]
                payment.save(update_fields=["provider_reference"])
        except DomainError as error:
            voided = provider.void(reference, idempotency_key=key)
            logger.warning(
                "card charge for a refused order voided",
                extra={"order": order.number, "error": error.code, "voided": voided},
            )
            return (
                Order.objects.get(pk=order.pk),
                False,
                _("The order could not be confirmed any more; the charge was cancelled."),
            )
        return order, True, message
    if order.customer_id is not None:
        with transaction.atomic(durable=True):
            event_record(
                customer=order.customer,
                kind=Event.Kind.PAYMENT_FAILED,
                channel=order.channel,
                payload={
                    "order_id": order.pk,
                    "number": order.number,
                    "method": Payment.Method.CARD,
                    "total_amount": str(order.total_amount),
                    "currency": order.currency,
                    "reason": str(message),
                },
            )
    return order, ok, message
