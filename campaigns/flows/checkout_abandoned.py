"""Checkout abandoned: contact and address given, no order in N minutes → an SMS inviting
the shopper to the nearest store that has the cart's items in stock: same ward (phường/xã),
then same province (2025 two-level units, where locations and addresses carry their
codes), then same city name, then any such store — with its address and opening hours.
"""

from campaigns.flows.engine import Enrol, FlowExit, FlowSpec, StepPlan, first_step_at
from campaigns.models import Flow
from customers.models import Event
from inventory.models import Location
from inventory.selectors import variant_availability_by_location
from orders.models import Cart


def nearest_store(*, lines: list[dict], address: dict) -> Location | None:
    """The store closest to ``address`` that can hand over every line of the cart now."""
    needed = {line["variant_id"]: line.get("quantity", 1) for line in lines if "variant_id" in line}
    if not needed:
        return None
    stocked: dict[int, set[int]] = {}
    locations: dict[int, Location] = {}
    for level in variant_availability_by_location(variants=list(needed)).filter(
        location__kind=Location.Kind.STORE
    ):
        if level.available_quantity >= needed[level.variant_id]:
            stocked.setdefault(level.location_id, set()).add(level.variant_id)
            locations[level.location_id] = level.location
    candidates = sorted(
        (locations[pk] for pk, variants in stocked.items() if variants == set(needed)),
        key=lambda location: (location.name, location.pk),
    )
    ward = address.get("ward_code") or ""
    province = address.get("province_code") or ""
    city = (address.get("city") or "").strip().casefold()

    def rank(location):
        if ward and getattr(location, "ward_code", "") == ward:
            return 0
        if province and getattr(location, "province_code", "") == province:
            return 1
        if city and location.city.strip().casefold() == city:
            return 2
        return 3

    return min(candidates, key=rank) if candidates else None


class CheckoutAbandoned(FlowSpec):
    code = Flow.Code.CHECKOUT_ABANDONED
    triggers = (Event.Kind.CHECKOUT_STARTED,)
    exit_on_cart_emptied = True
    superseded_by = (Event.Kind.CHECKOUT_STARTED,)

    def enrol(self, *, flow, event):
        payload = event.payload or {}
        next_at = first_step_at(flow, event.occurred_at)
        if not payload.get("lines") or not payload.get("has_phone") or next_at is None:
            return None
        return Enrol(
            next_at=next_at,
            context={"cart_token": payload.get("cart_token", ""), "lines": payload["lines"]},
        )

    def prepare(self, *, flow, enrolment, index):
        cart = Cart.objects.filter(token=enrolment.context.get("cart_token")).first()
        address = (cart.shipping_address if cart else {}) or {}
        lines = enrolment.context.get("lines", [])
        store = nearest_store(lines=lines, address=address)
        if store is None:
            raise FlowExit("no_store_in_stock")
        return StepPlan(
            context={
                "name": enrolment.customer.full_name,
                "store_name": store.name,
                "store_address": store.address,
                "opening_hours": store.opening_hours,
            },
            featured_variant_ids=sorted({line["variant_id"] for line in lines}),
        )
