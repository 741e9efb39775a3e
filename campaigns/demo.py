"""Demo flows for ``seed_demo``: every flow on, with delays of a minute or two, so a
newcomer sees messages in the admin and ``var/mail/`` within minutes of ``make run``."""

from campaigns.flows.seeds import FLOWS, seed
from campaigns.models import Flow, MessageTemplate
from customers.models import Customer
from customers.selectors import consent_current
from customers.services import consent_record, customer_resolve
from inventory.models import SalesChannel, Variant
from orders.models import Cart
from orders.services.checkout import cart_line_set, checkout_start

DEMO_DELAY_MINUTES = 1


def demo_flows() -> int:
    """Seed the flows and their templates, switch them on with short delays; how many."""
    seed(Flow, MessageTemplate)
    for code, spec in FLOWS.items():
        steps = [
            {**step, "delay_minutes": DEMO_DELAY_MINUTES, "window": None} for step in spec["steps"]
        ]
        Flow.objects.filter(code=code).update(
            enabled=True, steps=steps, store_delay_days=0, web_delay_days=0
        )
    return len(FLOWS)


def _demo_consent(*, customer, channel: str) -> None:
    if not consent_current(customer=customer, channel=channel, purpose="marketing"):
        consent_record(
            customer=customer,
            channel=channel,
            purpose="marketing",
            granted=True,
            source="web_form",
            actor="shopper",
            source_ref="seed_demo",
        )


def demo_journey(*, web: SalesChannel, sku: str) -> list[Customer]:
    """Two demo shoppers leave the web store, so the flows have something to send.

    Toản leaves ``sku`` in his web cart (the cart email, a minute after); Mai types her phone
    and a Cầu Giấy address at checkout and leaves (the SMS naming the Hàng Giấy showroom).
    Through the services the web store pages call; a shopper who has a web cart already is
    left as is, so seeding again plays nothing twice. Returns the two shoppers.
    """
    variant = Variant.objects.get(sku=sku)
    toan = customer_resolve(
        phone="0909908089", email="toan@example.vn", full_name="Nguyễn Văn Toản"
    )
    mai = customer_resolve(phone="0912345678", email="mai@example.vn", full_name="Trần Thị Mai")
    _demo_consent(customer=toan, channel="email")
    _demo_consent(customer=mai, channel="sms")
    if not Cart.objects.filter(channel=web, customer=toan).exists():
        cart = Cart.objects.create(channel=web, customer=toan)
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    if not Cart.objects.filter(channel=web, customer=mai).exists():
        cart = Cart.objects.create(channel=web, customer=mai)
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
        checkout_start(
            cart=cart,
            contact_name="Trần Thị Mai",
            contact_phone="0912345678",
            shipping_address={"line1": "1 Xuân Thủy", "district": "Cầu Giấy", "city": "Hà Nội"},
        )
    return [toan, mai]
