"""Cart abandoned: a known shopper's cart idle for N hours → an evening message with a
unique first-order voucher → a second step with a combo built from the cart.

Every ``cart_updated`` enrols; an older enrolment gives way to a newer change of the cart
(``superseded``), so only the last idle cart is followed up.
"""

from campaigns.flows.engine import Enrol, FlowExit, FlowSpec, StepPlan, first_step_at
from campaigns.flows.offers import bundle_offer, cart_link, first_order_voucher_code
from campaigns.models import Flow
from customers.models import Event


def money_text(amount) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đ"


class CartAbandoned(FlowSpec):
    code = Flow.Code.CART_ABANDONED
    triggers = (Event.Kind.CART_UPDATED,)
    exit_on_cart_emptied = True
    superseded_by = (Event.Kind.CART_UPDATED, Event.Kind.CHECKOUT_STARTED)

    def enrol(self, *, flow, event):
        lines = (event.payload or {}).get("lines") or []
        next_at = first_step_at(flow, event.occurred_at)
        if not lines or next_at is None:
            return None
        variant_ids = sorted({line["variant_id"] for line in lines if "variant_id" in line})
        return Enrol(
            next_at=next_at,
            context={"cart_token": event.payload.get("cart_token", ""), "variant_ids": variant_ids},
        )

    def prepare(self, *, flow, enrolment, index):
        customer = enrolment.customer
        variant_ids = enrolment.context.get("variant_ids", [])
        context = {"name": customer.full_name, "cart_url": cart_link()}
        if index == 0:
            context["voucher_code"] = first_order_voucher_code(
                customer=customer, voucher=flow.voucher
            )
            return StepPlan(context=context, featured_variant_ids=variant_ids)
        bundle, link = bundle_offer(variant_ids=variant_ids)
        if bundle is None:
            raise FlowExit("no_combo")
        context.update(
            combo_name=str(getattr(bundle, "name", bundle)),
            combo_price=money_text(getattr(bundle, "price_amount", 0)),
            combo_url=link,
        )
        items = getattr(bundle, "items", None)
        featured = list(items.values_list("variant_id", flat=True)) if items else variant_ids
        return StepPlan(context=context, featured_variant_ids=featured)
