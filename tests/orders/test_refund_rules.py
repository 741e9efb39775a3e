"""Honest refunds: back to the original tender; more cash than the order took, another
tender, or another channel's order at a till needs orders.refund_cross_channel_return."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import StockLevel, StockMovement
from orders import payments
from orders.models import Order, Payment, Return, ShiftCashMovement
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    order_complete,
    order_place,
    order_ship,
    shift_open,
)
from orders.services.payments import order_payment_card
from orders.services.placing import LineInput, TenderInput
from orders.services.pos import pos_sale_submit
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(warehouse, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, warehouse, 5)
    stocked(jar, showroom, 5)
    cashier = StaffFactory(role="cashier", pin="2468", stores=[showroom])
    shift_open(terminal=terminal, cashier=cashier, pin="2468", client_uuid=uuid.uuid4(),
               opening_float_amount=Decimal(500000))  # fmt: skip
    return api, terminal, web, showroom, jar, cashier


def till_sale(terminal, *tenders):
    order, _ = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        lines=[LineInput(sku="MK-100G", quantity=1)],
        tenders=[TenderInput(method=method, amount=Decimal(amount)) for method, amount in tenders],
    )
    return order


def card_paid_web_order(web, jar):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=jar.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", fulfilment="ship",
                          shipping_address={"line1": "1 Hàng Bạc", "city": "Hà Nội"})  # fmt: skip
    order = order_place(cart=cart, payment_method="card")
    order, ok, _message = order_payment_card(order=order, provider=payments.TestCardProvider())
    assert ok
    order_ship(order=order)
    return order_complete(order=Order.objects.get(pk=order.pk))


def give_back(api, order, **extra):
    return api.post(
        "/api/v1/pos/returns/",
        {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
         "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
         "reason": "Vỡ nắp", **extra},
        format="json",
    )  # fmt: skip


def assert_nothing_written(order, showroom, jar, shelf=4):
    assert not Return.objects.exists()
    assert not Payment.objects.filter(kind="refund").exists()
    assert not ShiftCashMovement.objects.filter(kind="refund").exists()
    assert not StockMovement.objects.filter(kind="return").exists()
    assert StockLevel.objects.get(variant=jar, location=showroom).on_hand == shelf
    assert Order.objects.get(pk=order.pk).status == "completed"


@pytest.mark.django_db
def test_without_a_method_the_refund_goes_back_to_the_tender_paid_with(shop):
    api, terminal, _web, _showroom, _jar, cashier = shop
    order = till_sale(terminal, ("card", "85000"))

    response = give_back(api, order, cashier_id=cashier.pk)

    assert response.status_code == 201, response.json()
    assert response.json()["refund_method"] == "card"
    record = Return.objects.get()
    assert (record.refund_method, record.approved_by, record.created_by) == ("card", None, cashier)
    assert not ShiftCashMovement.objects.filter(kind="refund").exists()  # the drawer is untouched


@pytest.mark.django_db
def test_a_cash_sale_is_refunded_in_cash_from_the_drawer(shop):
    api, terminal, _web, _showroom, _jar, cashier = shop
    order = till_sale(terminal, ("cash", "85000"))

    response = give_back(api, order, cashier_id=cashier.pk)

    assert response.status_code == 201, response.json()
    assert Return.objects.get().refund_method == "cash"
    assert ShiftCashMovement.objects.get(kind="refund").amount == Decimal(-85000)


@pytest.mark.django_db
def test_a_card_paid_web_order_refunded_in_cash_at_a_till_needs_a_manager(shop):
    api, _terminal, web, showroom, jar, cashier = shop
    order = card_paid_web_order(web, jar)

    # when: a cashier (no refund_cross_channel) pays it back in cash from the drawer
    response = give_back(api, order, refund_method="cash", cashier_id=cashier.pk)

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "refund_needs_approval"
    assert response.json()["fields"]["refund_method"] == [
        "A manager must approve: the order is another channel's; the order was not paid in "
        "this tender."
    ]
    assert_nothing_written(order, showroom, jar, shelf=5)


@pytest.mark.django_db
def test_another_channels_order_refunded_to_its_card_by_a_cashier_is_refused(shop):
    api, _terminal, web, showroom, jar, cashier = shop
    order = card_paid_web_order(web, jar)

    # when: back to the card it was paid with, but the order is the web store's
    response = give_back(api, order, cashier_id=cashier.pk)

    assert response.status_code == 403
    assert response.json()["fields"]["refund_method"] == [
        "A manager must approve: the order is another channel's."
    ]
    assert_nothing_written(order, showroom, jar, shelf=5)


@pytest.mark.django_db
def test_a_manager_approves_a_cross_channel_cash_refund_and_is_recorded(shop):
    api, _terminal, web, showroom, jar, _cashier = shop
    order = card_paid_web_order(web, jar)
    manager = StaffFactory(role="store_manager")

    response = give_back(api, order, refund_method="cash", cashier_id=manager.pk)

    assert response.status_code == 201, response.json()
    record = Return.objects.get()
    assert (record.refund_method, record.approved_by, record.created_by) == (
        "cash", manager, manager
    )  # fmt: skip
    assert ShiftCashMovement.objects.get(kind="refund").amount == Decimal(-85000)
    assert StockLevel.objects.get(variant=jar, location=showroom).on_hand == 6


@pytest.mark.django_db
def test_a_cash_refund_is_capped_at_the_cash_the_order_took(shop):
    api, terminal, _web, showroom, jar, cashier = shop
    order = till_sale(terminal, ("cash", "50000"), ("card", "35000"))

    # when: all 85,000 handed back in cash by a cashier
    response = give_back(api, order, refund_method="cash", cashier_id=cashier.pk)

    # then
    assert response.status_code == 403
    assert response.json()["fields"]["refund_method"] == [
        "A manager must approve: it is more cash than the order took."
    ]
    assert_nothing_written(order, showroom, jar)


@pytest.mark.django_db
def test_a_split_tender_order_needs_the_refund_method_said(shop):
    api, terminal, _web, showroom, jar, cashier = shop
    order = till_sale(terminal, ("cash", "50000"), ("card", "35000"))

    response = give_back(api, order, cashier_id=cashier.pk)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["refund_method"]
    assert_nothing_written(order, showroom, jar)


@pytest.mark.django_db
def test_a_card_sale_refunded_in_cash_by_a_cashier_is_refused(shop):
    api, terminal, _web, showroom, jar, cashier = shop
    order = till_sale(terminal, ("card", "85000"))

    response = give_back(api, order, refund_method="cash", cashier_id=cashier.pk)

    assert response.status_code == 403
    assert response.json()["fields"]["refund_method"] == [
        "A manager must approve: the order was not paid in this tender."
    ]
    assert_nothing_written(order, showroom, jar)
