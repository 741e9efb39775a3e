"""After a purchase: the store thank-you, the review request, the good-review thank-you.

None of them exits on an order (an order is what started them).
"""

from datetime import timedelta

from campaigns.flows.cart_abandoned import money_text
from campaigns.flows.engine import Enrol, FlowExit, FlowSpec, StepPlan, first_step_at
from campaigns.flows.offers import absolute
from campaigns.models import Flow, FlowEnrolment
from customers.models import Event, Review
from customers.services import referral_code_ensure
from customers.services.review_requests import review_request_path
from inventory.models import Location, Product

POS = "pos"
WEB = "web"


class StoreThankYou(FlowSpec):
    code = Flow.Code.STORE_THANK_YOU
    triggers = (Event.Kind.ORDER_PLACED,)
    exit_on_order = False

    def enrol(self, *, flow, event):
        payload = event.payload or {}
        next_at = first_step_at(flow, event.occurred_at)
        if payload.get("channel_kind") != POS or next_at is None:
            return None
        return Enrol(
            next_at=next_at,
            context={
                "order_number": payload.get("number", ""),
                "total_amount": payload.get("total_amount", "0"),
                "location_id": payload.get("location_id"),
            },
        )

    def prepare(self, *, flow, enrolment, index):
        store = Location.objects.filter(pk=enrolment.context.get("location_id")).first()
        return StepPlan(
            context={
                "name": enrolment.customer.full_name,
                "store_name": store.name if store else "",
                "order_number": enrolment.context.get("order_number", ""),
                "total": money_text(enrolment.context.get("total_amount") or 0),
            }
        )


class ReviewRequest(FlowSpec):
    """POS sales ``store_delay_days`` after, web orders ``web_delay_days`` after delivery
    (completion); marketplace orders never (the marketplace asks). One per order."""

    code = Flow.Code.REVIEW_REQUEST
    triggers = (Event.Kind.ORDER_COMPLETED,)
    exit_on_order = False

    def enrol(self, *, flow, event):
        payload = event.payload or {}
        kind = payload.get("channel_kind")
        if kind not in (POS, WEB) or not payload.get("order_id") or not flow.steps:
            return None
        order_id = payload["order_id"]
        if FlowEnrolment.objects.filter(flow=flow, context__order_id=order_id).exists():
            return None
        days = flow.store_delay_days if kind == POS else flow.web_delay_days
        return Enrol(
            next_at=first_step_at(flow, event.occurred_at + timedelta(days=days)),
            context={"order_id": order_id, "product_ids": payload.get("product_ids", [])},
        )

    def prepare(self, *, flow, enrolment, index):
        customer = enrolment.customer
        reviewed = set(
            Review.objects.filter(customer=customer).values_list("product_id", flat=True)
        )
        product = (
            Product.objects.filter(pk__in=enrolment.context.get("product_ids", []))
            .exclude(pk__in=reviewed)
            .order_by("pk")
            .first()
        )
        if product is None:
            raise FlowExit("already_reviewed")
        return StepPlan(
            context={
                "name": customer.full_name,
                "product_name": product.name,
                "review_url": absolute(review_request_path(customer, product)),
            }
        )


class ReviewThanks(FlowSpec):
    code = Flow.Code.REVIEW_THANKS
    triggers = (Event.Kind.REVIEW_SUBMITTED,)
    exit_on_order = False
    MIN_RATING = 4

    def enrol(self, *, flow, event):
        rating = (event.payload or {}).get("rating")
        next_at = first_step_at(flow, event.occurred_at)
        if not isinstance(rating, int) or rating < self.MIN_RATING or next_at is None:
            return None
        return Enrol(next_at=next_at, context={"review_id": event.payload.get("review_id")})

    def prepare(self, *, flow, enrolment, index):
        customer = enrolment.customer
        return StepPlan(
            context={
                "name": customer.full_name,
                "referral_code": referral_code_ensure(customer=customer),
                "offer": flow.referral_offer,
            }
        )
