"""Paying a web order by card, through the configured provider (``orders.payments``)."""

from django.db import transaction

from customers.models import Event
from customers.services import event_record
from orders.models import Order, Payment
from orders.services.lifecycle import order_confirm
from orders.statuses import OrderStatus


def order_payment_card(*, order: Order, provider) -> tuple[Order, bool, str]:
    """Charge the order's pending card payment; returns ``(order, ok, message)``.

    Approved: the payment is captured and the order confirmed. Declined: the order stays
    pending payment and the customer's timeline records ``payment_failed`` (so a flow can
    remind them). The provider is called outside any transaction: no lock is held while
    waiting on the network.
    """
    payment = order.payments.filter(
        method=Payment.Method.CARD, status=Payment.Status.PENDING, kind=Payment.Kind.PAYMENT
    ).first()
    if payment is None or order.status != OrderStatus.PENDING_PAYMENT:
        return order, order.status != OrderStatus.PENDING_PAYMENT, ""
    ok, reference, message = provider.charge(order, payment.amount)
    with transaction.atomic(durable=True):
        if ok:
            payment.provider_reference = reference[:100]
            payment.save(update_fields=["provider_reference"])
            order = order_confirm(order=order)
        elif order.customer_id is not None:
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
