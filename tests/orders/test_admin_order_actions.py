from decimal import Decimal

import pytest

from inventory.models import StockLevel
from orders.services import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
)

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def pickup_order():
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    web = channel_selling_from(showroom, kind="web", code="web")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, showroom, 2)
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=jar.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", fulfilment="pickup",
                          pickup_location=showroom)  # fmt: skip
    return order_place(cart=cart, payment_method="cod"), jar, showroom


def act(client, action, order):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [order.pk]}, follow=True)


@pytest.mark.django_db
def test_a_manager_moves_a_pick_up_order_along_through_the_services(client, pickup_order):
    order, _jar, showroom = pickup_order
    client.force_login(StaffFactory(role="store_manager", stores=[showroom]))

    response = act(client, "mark_ready_for_pickup", order)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "ready_for_pickup"
    assert len(order.pickup_code) == 6


@pytest.mark.django_db
def test_a_refused_move_is_reported_by_order_number_and_changes_nothing(client, pickup_order):
    order, _jar, showroom = pickup_order
    client.force_login(StaffFactory(role="store_manager", stores=[showroom]))

    delivered = act(client, "mark_delivered", order)
    shipped = act(client, "ship", order)

    assert f"{order.number}: " in delivered.content.decode()
    assert f"{order.number}: " in shipped.content.decode()
    order.refresh_from_db()
    assert order.status == "confirmed"
    assert StockLevel.objects.get(variant=order.lines.get().variant).on_hand == 2


@pytest.mark.django_db
def test_cancelling_gives_the_stock_back(client, pickup_order):
    order, jar, showroom = pickup_order
    client.force_login(StaffFactory(role="store_manager", stores=[showroom]))

    act(client, "cancel", order)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert StockLevel.objects.get(variant=jar, location=showroom).reserved == 0


@pytest.mark.django_db
def test_a_cashier_without_change_rights_has_no_order_actions(client, pickup_order):
    order, _jar, _showroom = pickup_order
    client.force_login(StaffFactory(role="marketer"))

    act(client, "cancel", order)

    order.refresh_from_db()
    assert order.status == "confirmed"
