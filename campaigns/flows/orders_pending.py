"""Unpaid order reminder (after N hours, with the pay link) and payment failed (within two
minutes, with the pay-again link). Both end when the order is no longer waiting for its
payment (paid, or cancelled at its deadline by ``orders``)."""

from campaigns.flows.cart_abandoned import money_text
from campaigns.flows.engine import Enrol, FlowExit, FlowSpec, StepPlan, first_step_at
from campaigns.flows.offers import order_pay_link
from campaigns.models import Flow
from customers.models import Event
from orders.models import Order
from orders.statuses import OrderStatus


def _pending_order_plan(enrolment) -> StepPlan:
    order = Order.objects.filter(pk=enrolment.context.get("order_id")).first()
    if order is None or order.status != OrderStatus.PENDING_PAYMENT:
        raise FlowExit("paid" if order and order.status != OrderStatus.CANCELLED else "cancelled")
    return StepPlan(
        context={
            "name": enrolment.customer.full_name,
            "order_number": order.number,
            "total": money_text(order.total_amount),
            "pay_url": order_pay_link(order=order),
        }
    )


class UnpaidOrder(FlowSpec):
    code = Flow.Code.UNPAID_ORDER
    triggers = (Event.Kind.ORDER_PLACED,)

    def enrol(self, *, flow, event):
        payload = event.payload or {}
        next_at = first_step_at(flow, event.occurred_at)
        if payload.get("status") != OrderStatus.PENDING_PAYMENT or next_at is None:
            return None
        return Enrol(next_at=next_at, context={"order_id": payload.get("order_id")})

    def prepare(self, *, flow, enrolment, index):
        return _pending_order_plan(enrolment)


class PaymentFailed(FlowSpec):
    code = Flow.Code.PAYMENT_FAILED
    triggers = (Event.Kind.PAYMENT_FAILED,)

    def enrol(self, *, flow, event):
        next_at = first_step_at(flow, event.occurred_at)
        if next_at is None or not (event.payload or {}).get("order_id"):
            return None
        return Enrol(next_at=next_at, context={"order_id": event.payload["order_id"]})

    def prepare(self, *, flow, enrolment, index):
        return _pending_order_plan(enrolment)
