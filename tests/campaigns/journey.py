"""The doors the journey tests go through, shared by ``test_journey_*``.

The shopper acts on the web store's pages (Django's test client), the cashier on the POS
API with the terminal's token, a marketplace buyer on the simulated platform (its signed
webhook), and the scheduled jobs run as the beat runs them: every task of
``CELERY_BEAT_SCHEDULE``, through Celery, at the instant the test moved the clock to.

``django_db(transaction=True)`` in the tests: the flows read the timeline through
``event_stream``, which on PostgreSQL hands out only events of transactions that ended.
"""

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from campaigns.flows.engine import CONSUMER_NAME
from campaigns.flows.seeds import seed
from campaigns.models import ConsumerCursor, Flow, MessageTemplate
from config.celery import app as celery_app
from customers.models import Event
from customers.selectors import EventCursor
from inventory.models import Location, Variant
from orders.models import Order
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

PHONE = "+84909908089"
EMAIL = "hoa@example.vn"
PASSWORD = "thit-trau-gac-bep-2026"
# The 2025 units: Hà Nội, and its wards Cầu Giấy (the shopper) and Hoàn Kiếm (Hàng Giấy).
HA_NOI, CAU_GIAY, HOAN_KIEM, HO_CHI_MINH = "01", "00167", "00070", "79"
CAU_GIAY_ADDRESS = {"line1": "1 Xuân Thủy", "province_code": HA_NOI, "ward_code": CAU_GIAY}


def local(hour, minute=0, days=0) -> datetime:
    """Aware UTC of ``hour:minute`` Hà Nội time, ``days`` after Monday 30 November 2026."""
    return (
        datetime(2026, 11, 30, hour, minute, tzinfo=UTC) - timedelta(hours=7) + timedelta(days=days)
    )


@dataclass
class Shop:
    showroom: Location  # Showroom Hàng Giấy: has everything, hands over pick-ups
    buffalo: Variant  # 1 kg of smoked buffalo, 700,000 đ
    salt: Variant  # mắc khén salt, 85,000 đ
    pos: APIClient  # the showroom's till, authenticated with its terminal token
    cashier_id: int

    def till_sale(self, *, phone: str, sku: str, quantity: int = 1, due=None, **extra) -> Order:
        """The cashier finds the shopper by the phone they say aloud, and sells; ``due`` is
        what the till asks (the catalog price by default), paid in cash."""
        found = self.pos.get("/api/v1/pos/customers/lookup/", {"phone": phone})
        assert found.status_code == 200, found.json()
        if due is None:
            due = Variant.objects.get(sku=sku).price_amount * quantity
        sale = self.pos.post(
            "/api/v1/pos/sales/",
            {
                "client_uuid": str(uuid.uuid4()),
                "customer_id": found.json()["id"],
                "lines": [{"sku": sku, "quantity": quantity}],
                "payments": [{"method": "cash", "amount": str(due), "tendered_amount": str(due)}],
                **extra,
            },
            format="json",
        )
        assert sale.status_code == 201, sale.json()
        return Order.objects.get(number=sale.json()["number"])


def shop_setup() -> Shop:
    """Hoa Ban Food: the Hàng Giấy showroom, a Cầu Giấy shop with nothing on its shelf, a
    Sài Gòn store; the web store sells from all three, the showroom has a till."""
    showroom = LocationFactory(
        name="Showroom Hàng Giấy",
        kind=Location.Kind.STORE,
        address="12 Hàng Giấy, Hoàn Kiếm",
        city="Hà Nội",
        province_code=HA_NOI,
        ward_code=HOAN_KIEM,
        opening_hours="08:00-21:00",
        accepts_pickup=True,
    )
    # Same ward as the shopper, but it has none of the cart: it is not the one invited to.
    cau_giay = LocationFactory(
        name="Quầy Cầu Giấy",
        kind=Location.Kind.STORE,
        address="3 Trần Thái Tông",
        city="Hà Nội",
        province_code=HA_NOI,
        ward_code=CAU_GIAY,
    )
    saigon = LocationFactory(
        name="Cửa hàng Sài Gòn",
        kind=Location.Kind.STORE,
        address="5 Lê Lợi",
        city="TP.HCM",
        province_code=HO_CHI_MINH,
    )
    channel_selling_from(showroom, cau_giay, saigon, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    buffalo = VariantFactory(
        sku="TRAU-1KG",
        product__name="Thịt trâu gác bếp",
        product__slug="thit-trau-gac-bep",
        price_amount=Decimal(700000),
    )
    salt = VariantFactory(
        sku="MK-100G", product__name="Muối mắc khén", product__slug="muoi-mac-khen",
        price_amount=Decimal(85000),
    )  # fmt: skip
    for variant in (buffalo, salt):
        stocked(variant, showroom, 20)
        stocked(variant, saigon, 20)
    _terminal, token = terminal_with_token(location=showroom)
    pos = APIClient()
    pos.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    cashier = StaffFactory(role="cashier")
    return Shop(showroom=showroom, buffalo=buffalo, salt=salt, pos=pos, cashier_id=cashier.pk)


def flows_on() -> None:
    """Every flow seeded and on, with the shipped delays (what the owner does in the admin)."""
    seed(Flow, MessageTemplate)
    Flow.objects.update(enabled=True)


# --- The web store ----------------------------------------------------------------------


def sign_up(client: Client, *, name="Hoa", email=EMAIL, phone="0909 908 089") -> None:
    """Sign up on the store, ticking offers by email and SMS (the consent's proof)."""
    response = client.post(
        "/account/signup/",
        {
            "full_name": name,
            "email": email,
            "phone": phone,
            "password": PASSWORD,
            "marketing_channels": ["email", "sms"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def log_in(client: Client, *, username: str) -> None:
    response = client.post("/account/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def add_to_cart(client: Client, variant: Variant, quantity: int = 1) -> None:
    """From the product page, the way its form posts."""
    page = client.get(f"/p/{variant.product.slug}/")
    assert page.status_code == 200
    assert 'action="/cart/add/"' in page.content.decode()
    response = client.post("/cart/add/", {"variant_id": variant.pk, "quantity": quantity})
    assert response.status_code == 302
    assert variant.product.name in client.get("/cart/").content.decode()


def checkout_contact(client: Client, *, address=None, pickup: Location | None = None, **contact):
    """Step 1 of checkout: contact, then delivery to ``address`` or pick-up at ``pickup``."""
    assert client.get("/checkout/").status_code == 200
    data = {
        "contact_name": "Hoa",
        "contact_phone": "0909 908 089",
        "contact_email": "",
        "fulfilment": "pickup" if pickup else "ship",
        "line1": "",
        "line2": "",
        "province_code": "",
        "ward_code": "",
        "pickup_location": pickup.pk if pickup else "",
        **(address or {}),
        **contact,
    }
    response = client.post("/checkout/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/checkout/pay/"


def _shown_total(page: str) -> str:
    return re.search(r'name="expected_total_amount" value="([^"]*)"', page).group(1)


def checkout_pay(client: Client, *, confirm_new_total: bool = False, **fields) -> Order:
    """Step 2: pay (cash on delivery by default) the total shown, and place the order.

    ``confirm_new_total``: a voucher applied at placing changed the total; the page shows
    the new one and the shopper confirms it (a second submission)."""
    shown = _shown_total(client.get("/checkout/pay/").content.decode())
    data = {"payment_method": "cod", **fields}
    response = client.post("/checkout/pay/", {**data, "expected_total_amount": shown})
    if confirm_new_total:
        assert response.status_code == 400, response.status_code
        page = response.content.decode()
        assert _shown_total(page) != shown
        response = client.post(
            "/checkout/pay/", {**data, "expected_total_amount": _shown_total(page)}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Order.objects.order_by("-id").first()


# --- The beat ---------------------------------------------------------------------------


def beat_jobs() -> list:
    """The tasks the beat starts, as a worker has them registered (the heartbeat aside)."""
    celery_app.loader.import_default_modules()
    return [
        celery_app.tasks[entry["task"]]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] != "config.tasks.heartbeat"
    ]


def _tick() -> None:
    for task in beat_jobs():
        task.apply(throw=True)


def _consumed() -> tuple[int, int]:
    cursor = ConsumerCursor.objects.filter(name=CONSUMER_NAME).first()
    position = EventCursor.parse(cursor.position if cursor else "")
    return (position.tx_id, position.id)


def beat(time_machine, at: datetime, timeout: float = 30) -> None:
    """Every scheduled job at ``at``, until the flows' consumer has read the whole timeline,
    then once more (what the first pass enrolled or wrote, the next beat advances and sends).

    On PostgreSQL a transaction open elsewhere (another test run) holds the stream back a
    moment: events come late, never skipped, so the jobs run again until they are read.
    """
    time_machine.move_to(at, tick=False)
    last = Event.objects.order_by("tx_id", "id").last()
    target = (last.tx_id, last.pk) if last else (-1, 0)
    for _ in range(int(timeout / 0.05)):
        _tick()
        if _consumed() >= target:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the flows consumer did not reach the last event")
    _tick()
