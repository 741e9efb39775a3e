"""What a POS terminal changes through the API is recorded with who did it: the cashier on
the terminal's open shift (the terminal's token names no person; config/audit.py)."""

import uuid
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from config.roles import CASHIER, STORE_MANAGER
from orders.models import Order, Return
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    order_complete,
    order_place,
    order_ship,
)
from orders.services.shifts import shift_open
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db

TILL_IP = "198.51.100.20"


@pytest.fixture
def till():
    """A showroom's terminal, its API client, and a delivered web order to take back."""
    warehouse = WarehouseFactory()
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(warehouse, showroom, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=showroom)
    api = APIClient(REMOTE_ADDR=TILL_IP)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 5)
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=2)
    cart = checkout_start(
        cart=cart,
        contact_phone="0909908089",
        fulfilment="ship",
        shipping_address={"line1": "12 Hàng Bạc", "city": "Hà Nội"},
    )
    order = order_place(cart=cart, payment_method="cod")
    order_ship(order=order)
    order_complete(order=Order.objects.get(pk=order.pk))
    return api, terminal, order


def _return_one(api, order, cashier_id):
    return api.post(
        "/api/v1/pos/returns/",
        {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
         "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
         "reason": "Quà bị trùng", "refund_method": "cash", "cashier_id": cashier_id},
        format="json",
    )  # fmt: skip


def _entries(model, pk):
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.filter(content_type=content_type, object_pk=str(pk)).order_by("pk")


def test_a_return_at_the_till_is_recorded_with_the_cashier_on_the_open_shift(till):
    # given: Lan's shift is open at the terminal
    api, terminal, order = till
    lan = StaffFactory(role=CASHIER, pin="2468", stores=[terminal.location])
    shift_open(
        terminal=terminal,
        cashier=lan,
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(500000),
    )

    # when: the terminal records a return through the API (its token is its only credential)
    response = _return_one(api, order, StaffFactory(role=STORE_MANAGER).pk)

    # then: the return and the order's status move name her, from the till's address
    assert response.status_code == 201, response.json()
    [created] = _entries(Return, Return.objects.get().pk)
    [moved] = _entries(Order, order.pk).filter(changes__has_key="status").order_by("-pk")[:1]
    for entry in (created, moved):
        assert (entry.actor, entry.actor_email, entry.remote_addr) == (lan, lan.email, TILL_IP)
    assert moved.changes["status"][1] == "partially_returned"


def test_without_an_open_shift_the_entry_names_no_one(till):
    api, _terminal, order = till

    response = _return_one(api, order, StaffFactory(role=STORE_MANAGER).pk)

    assert response.status_code == 201, response.json()
    [created] = _entries(Return, Return.objects.get().pk)
    assert (created.actor, created.remote_addr) == (None, TILL_IP)
