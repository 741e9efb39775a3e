"""Demo data of the orders app, written through its services (used by ``seed_demo``)."""

import uuid
from decimal import Decimal

from django.db.models import F

from inventory.models import Location, StockLevel
from orders.models import Shift, Terminal
from orders.selectors import shift_list
from orders.services import shift_open, staff_pin_set, terminal_create, terminal_token_rotate
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
