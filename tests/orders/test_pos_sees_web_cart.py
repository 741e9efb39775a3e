"""The omnichannel moment: a cart left on the website is known at the showroom's till."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from orders.services import cart_get_or_create, cart_line_set, checkout_start
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.mark.django_db
def test_the_cashier_finds_the_abandoned_web_cart_by_the_shoppers_phone(
    django_assert_max_num_queries,
):
    # given: a shopper put smoked buffalo in the web cart, typed a phone and left
    warehouse = WarehouseFactory()
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(warehouse, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 5)
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=2)
    checkout_start(
        cart=cart, contact_phone="0909908089", shipping_address={"line1": "1", "city": "Hà Nội"}
    )
    _terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    # when: days later the cashier types the phone another way
    found = api.get("/api/v1/pos/customers/lookup/", {"phone": "+84 909 908 089"})
    assert found.status_code == 200, found.json()
    customer_id = found.json()["id"]
    with django_assert_max_num_queries(20):
        summary = api.get(f"/api/v1/pos/customers/{customer_id}/")

    # then: the open web cart is there to ring up
    assert summary.status_code == 200
    open_cart = summary.json()["open_web_cart"]
    assert open_cart["token"] == str(cart.token)
    assert open_cart["lines"] == [
        {
            "variant_id": buffalo.pk,
            "sku": "TT-1KG",
            "name": str(buffalo),
            "quantity": 2,
            "unit_price_amount": "900000",
        }
    ]


@pytest.mark.django_db
def test_no_open_cart_is_null(django_assert_max_num_queries):
    from tests.factories import customer_with

    showroom = LocationFactory()
    channel_selling_from(showroom, kind="pos", code="pos-x")
    _terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    customer = customer_with(phone="+84909908089")
    api.get("/api/v1/pos/customers/lookup/", {"phone": "0909908089"})

    summary = api.get(f"/api/v1/pos/customers/{customer.pk}/")

    assert summary.status_code == 200
    assert summary.json()["open_web_cart"] is None
