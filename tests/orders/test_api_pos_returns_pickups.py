import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import Event
from customers.selectors import loyalty_balance
from inventory.models import StockLevel, StockMovement
from orders.models import Order, Payment, Return
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    order_complete,
    order_place,
    order_ship,
)
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

ADDRESS = {"line1": "12 Hàng Bạc", "city": "Hà Nội"}


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    saigon = LocationFactory(name="Cửa hàng Quận 1", accepts_pickup=True)
    web = channel_selling_from(warehouse, showroom, saigon, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    # The messages asserted below are read in English (the API answers in vi by default).
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    _other, other_token = terminal_with_token(location=saigon)
    other_api = APIClient()
    other_api.credentials(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 5)
    stocked(buffalo, showroom, 2)
    return api, other_api, web, warehouse, showroom, buffalo


def web_order(web, variant, quantity, **checkout):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    cart = checkout_start(cart=cart, contact_phone="0909908089", **checkout)
    return order_place(cart=cart, payment_method="cod")


def on_hand(variant, location):
    return StockLevel.objects.get(variant=variant, location=location).on_hand


@pytest.mark.django_db
def test_a_web_order_shipped_from_the_warehouse_is_returned_at_the_showroom(shop):
    api, _other_api, web, warehouse, showroom, buffalo = shop
    order = web_order(web, buffalo, 2, fulfilment="ship", shipping_address=ADDRESS)
    order_ship(order=order)
    order_complete(order=Order.objects.get(pk=order.pk))
    assert loyalty_balance(customer=order.customer) == 180
    line_id = order.lines.get().pk

    # when: one of the two comes back at the showroom, refunded in cash
    response = api.post(
        "/api/v1/pos/returns/",
        {"client_uuid": str(uuid.uuid4()), "order_number": order.number.lower(),
         "lines": [{"order_line_id": line_id, "quantity": 1}], "reason": "Quà bị trùng",
         "refund_method": "cash", "cashier_id": StaffFactory(role="store_manager").pk},
        format="json",
    )  # fmt: skip

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["order_status"], body["refund_amount"], body["points_reversed"]) == (
        "partially_returned",
        "900000",
        90,
    )
    assert on_hand(buffalo, showroom) == 3  # back on this store's shelf
    assert on_hand(buffalo, warehouse) == 3
    assert StockMovement.objects.get(kind="return").quantity == 1
    assert loyalty_balance(customer=order.customer) == 90
    assert Payment.objects.get(kind="refund").amount == Decimal(900000)
    returned = Event.objects.get(kind="order_returned")
    assert returned.payload["number"] == order.number
    assert returned.location_id == showroom.pk


@pytest.mark.django_db
def test_returning_more_than_is_left_is_refused_and_writes_nothing(shop):
    api, _other_api, web, _warehouse, showroom, buffalo = shop
    order = web_order(web, buffalo, 1, fulfilment="ship", shipping_address=ADDRESS)
    order_ship(order=order)
    order_complete(order=Order.objects.get(pk=order.pk))
    line_id = order.lines.get().pk

    response = api.post(
        "/api/v1/pos/returns/",
        {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
         "lines": [{"order_line_id": line_id, "quantity": 2}], "reason": "x",
         "refund_method": "card", "cashier_id": StaffFactory(role="cashier").pk},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["code"] == "return_invalid"
    assert "1 can still be returned" in response.json()["fields"][str(line_id)][0]
    assert not Return.objects.exists()
    assert on_hand(buffalo, showroom) == 2
    assert Order.objects.get(pk=order.pk).status == "completed"


@pytest.mark.django_db
def test_an_order_not_yet_completed_cannot_be_returned(shop):
    api, _other_api, web, _warehouse, _showroom, buffalo = shop
    order = web_order(web, buffalo, 1, fulfilment="ship", shipping_address=ADDRESS)

    response = api.post(
        "/api/v1/pos/returns/",
        {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
         "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}], "reason": "x",
         "refund_method": "card", "cashier_id": StaffFactory(role="cashier").pk},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert "only a completed order" in response.json()["detail"]
    assert not Return.objects.exists()


@pytest.mark.django_db
def test_pick_up_in_store_from_ready_to_hand_over(shop):
    api, other_api, web, _warehouse, showroom, buffalo = shop
    order = web_order(web, buffalo, 2, fulfilment="pickup", pickup_location=showroom)

    # the store sees it, another store does not
    listed = api.get("/api/v1/pos/pickups/").json()
    assert [o["number"] for o in listed["results"]] == [order.number]
    assert other_api.get("/api/v1/pos/pickups/").json()["results"] == []
    assert other_api.post(f"/api/v1/pos/pickups/{order.pk}/ready/").status_code == 404

    ready = api.post(f"/api/v1/pos/pickups/{order.pk}/ready/")
    assert ready.status_code == 200
    code = ready.json()["pickup_code"]
    assert len(code) == 6

    cashier = StaffFactory(role="cashier")
    wrong = api.post(
        f"/api/v1/pos/pickups/{order.pk}/hand-over/",
        {"pickup_code": "AAAAAA", "cashier_id": cashier.pk},
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "pickup_code_invalid"
    assert on_hand(buffalo, showroom) == 2

    handed = api.post(
        f"/api/v1/pos/pickups/{order.pk}/hand-over/",
        {"pickup_code": code.lower(), "cashier_id": cashier.pk},
    )
    assert handed.status_code == 200
    assert handed.json()["status"] == "completed"
    level = StockLevel.objects.get(variant=buffalo, location=showroom)
    assert (level.on_hand, level.reserved) == (0, 0)
    assert Event.objects.filter(kind="order_completed", customer=order.customer).count() == 1


@pytest.mark.django_db
def test_a_replayed_return_is_taken_once(shop):
    api, _other_api, web, _warehouse, showroom, buffalo = shop
    order = web_order(web, buffalo, 2, fulfilment="ship", shipping_address=ADDRESS)
    order_ship(order=order)
    order_complete(order=Order.objects.get(pk=order.pk))
    body = {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
            "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
            "reason": "x", "refund_method": "card",
            "cashier_id": StaffFactory(role="store_manager").pk}  # fmt: skip

    first = api.post("/api/v1/pos/returns/", body, format="json")
    again = api.post("/api/v1/pos/returns/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Return.objects.count() == 1
    assert on_hand(buffalo, showroom) == 3
