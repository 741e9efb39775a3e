"""Demo data of the orders app, written through its services (used by ``seed_demo``)."""

import uuid
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from customers.models import ContactPoint, Customer
from customers.selectors import customer_find_by_contact
from customers.services import shopper_signup
from inventory.models import Location, StockLevel
from orders.models import Quote, Shift, Terminal
from orders.selectors import shift_list
from orders.services import shift_open, staff_pin_set, terminal_create, terminal_token_rotate
from orders.services.quotes import QuoteLineInput, quote_create
from orders.services.shipping import shipping_rule_upsert

DEMO_OPENING_FLOAT = Decimal("1000000")
# The demo cashier's personal PIN, confirming the shift they open at the till.
DEMO_CASHIER_PIN = "2468"
HA_NOI = "01"


def demo_terminal(*, location: Location, name: str, cashier) -> tuple[Terminal, str]:
    """The store's demo till with a fresh token, and an open shift so that the printed
    sale is an ordinary one (a sale with no open shift is kept but flagged late sync)."""
    terminal = Terminal.objects.filter(location=location, name=name).first()
    if terminal is None:
        terminal, token = terminal_create(location=location, name=name)
    else:
        # Tokens are stored hashed, so the demo token is rotated to be shown again.
        token = terminal_token_rotate(terminal=terminal)
    demo_shift_ensure(terminal=terminal, cashier=cashier)
    return terminal, token


def demo_shift_ensure(*, terminal: Terminal, cashier) -> Shift:
    """The terminal's open shift; one is opened for ``cashier`` when none is (re-seeding
    keeps the shift already open, and opens a new one after staff closed it)."""
    shift = shift_list(terminal=terminal).filter(closed_at__isnull=True).first()
    if shift is not None:
        return shift
    staff_pin_set(user=cashier, pin=DEMO_CASHIER_PIN)
    shift, _created = shift_open(
        terminal=terminal,
        cashier=cashier,
        pin=DEMO_CASHIER_PIN,
        client_uuid=uuid.uuid4(),
        opening_float_amount=DEMO_OPENING_FLOAT,
    )
    return shift


def demo_sale_line(*, location: Location) -> tuple[str, str] | None:
    """A SKU the store has on its shelf, with its price, for the sample sale."""
    level = (
        StockLevel.objects.filter(
            location=location, on_hand__gt=F("reserved"), variant__is_active=True
        )
        .select_related("variant")
        .order_by("variant__sku")
        .first()
    )
    if level is None:
        return None
    return level.variant.sku, f"{level.variant.price_amount:f}".split(".")[0]


def demo_shipping_rules() -> None:
    """Hà Nội (where the warehouse is) 20,000 đ, free from 300,000 đ; elsewhere 35,000 đ,
    free from 500,000 đ."""
    for name, province_code, min_order, fee in [
        ("Nội thành Hà Nội", HA_NOI, 0, 20_000),
        ("Hà Nội, đơn từ 300.000 đ", HA_NOI, 300_000, 0),
        ("Toàn quốc", "", 0, 35_000),
        ("Toàn quốc, đơn từ 500.000 đ", "", 500_000, 0),
    ]:
        shipping_rule_upsert(
            name=name,
            province_code=province_code,
            min_order_amount=Decimal(min_order),
            fee_amount=Decimal(fee),
        )


# Value City's story: a shopper with a web login asks for prices at the Hàng Giấy showroom;
# the cashier makes a quote at the till, sends it, and it waits in her web account a week.
DEMO_SHOPPER_EMAIL = "lan@example.vn"
DEMO_SHOPPER_PASSWORD = "tiem-demo-shopper"  # noqa: S105 (printed for the demo on purpose)
# (SKU, quantity, quoted unit price in đồng): a little under the shelf price.
DEMO_QUOTE_LINES = [("TRA-SEN-250", 2, 760_000), ("MAT-ONG-RUNG-100", 1, 260_000)]
DEMO_QUOTE_DISCOUNT = Decimal(30_000)


def demo_shopper() -> Customer:
    """The demo shopper with a web login (email + password); signed up once."""
    customer = customer_find_by_contact(kind=ContactPoint.Kind.EMAIL, value=DEMO_SHOPPER_EMAIL)
    if customer is not None and customer.user_id:
        return customer
    return shopper_signup(
        email=DEMO_SHOPPER_EMAIL,
        password=DEMO_SHOPPER_PASSWORD,
        full_name="Lê Thị Lan",
        preferred_language="vi",
    )


def demo_quote(*, customer: Customer, terminal: Terminal, cashier) -> Quote:
    """An in-store quote for ``customer`` made at ``terminal``, sent, valid
    ``QUOTE_DEFAULT_VALID_DAYS``. Seeding again keeps the quote while it is still open
    (sent, not lapsed); once ordered, cancelled or expired a fresh one is made."""
    quote = (
        Quote.objects.filter(
            customer=customer, status=Quote.Status.SENT, expires_at__gt=timezone.now()
        )
        .order_by("-pk")
        .first()
    )
    if quote is not None:
        return quote
    return quote_create(
        customer=customer,
        location=terminal.location,
        terminal=terminal,
        created_by=cashier,
        lines=[
            QuoteLineInput(sku=sku, quantity=quantity, unit_price_amount=Decimal(price))
            for sku, quantity, price in DEMO_QUOTE_LINES
        ],
        discount_amount=DEMO_QUOTE_DISCOUNT,
        note="Giá cho đơn quà Tết, giữ trong 7 ngày.",
        send=True,
    )
