"""At the till (issue 14): the customer's open web cart becomes the sale, and a product they
liked goes on their wishlist."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from customers.models import WishlistItem
from inventory.models import Reservation, StockLevel
from orders.models import Cart, Order
from orders.services import cart_get_or_create, cart_line_set, checkout_start
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def showroom():
    """A showroom whose two jars of buffalo are also sold on the web; a shopper holds both."""
    store = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    web = channel_selling_from(store, kind="web", code="web")
    channel_selling_from(store, kind="pos", code="pos-hg")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, store, 2)
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=2)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="pickup", pickup_location=store
    )
    _terminal, token = terminal_with_token(location=store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    found = api.get("/api/v1/pos/customers/lookup/", {"phone": "0909 908 089"})
    assert found.status_code == 200
    return {"api": api, "cart": cart, "buffalo": buffalo, "store": store, "id": found.json()["id"]}


def sale_of_the_cart(showroom, **extra):
    summary = showroom["api"].get(f"/api/v1/pos/customers/{showroom['id']}/").json()
    lines = [
        {"sku": line["sku"], "quantity": line["quantity"]}
        for line in summary["open_web_cart"]["lines"]
    ]
    return {
        "client_uuid": str(uuid.uuid4()),
        "customer_id": showroom["id"],
        "lines": lines,
        "payments": [{"method": "card", "amount": "1800000"}],
        "web_cart_token": summary["open_web_cart"]["token"],
        **extra,
    }


def test_the_web_cart_is_rung_up_and_closed_as_the_sale(showroom):
    api = showroom["api"]

    # when: the cashier rings up what the summary shows, naming the cart
    response = api.post("/api/v1/pos/sales/", sale_of_the_cart(showroom), format="json")

    # then: the shopper's own hold made way for the sale; the cart is now that sale
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    cart = Cart.objects.get(pk=showroom["cart"].pk)
    assert (cart.status, cart.order) == (Cart.Status.CONVERTED, order)
    level = StockLevel.objects.get(variant=showroom["buffalo"])
    assert (level.on_hand, level.reserved) == (0, 0)
    assert not Reservation.objects.filter(reference__startswith="cart:", status="active").exists()
    summary = api.get(f"/api/v1/pos/customers/{showroom['id']}/").json()
    assert summary["open_web_cart"] is None


def test_without_naming_the_cart_its_hold_still_stands(showroom):
    body = sale_of_the_cart(showroom)
    del body["web_cart_token"]

    response = showroom["api"].post("/api/v1/pos/sales/", body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert Cart.objects.get(pk=showroom["cart"].pk).status == Cart.Status.OPEN


def test_another_customers_cart_token_is_refused_and_nothing_is_written(showroom):
    other = customer_with(phone="+84912345678")
    body = sale_of_the_cart(showroom, customer_id=other.pk)

    response = showroom["api"].post("/api/v1/pos/sales/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "web_cart_not_found"
    assert "web_cart_token" in response.json()["fields"]
    assert not Order.objects.exists()
    assert Cart.objects.get(pk=showroom["cart"].pk).status == Cart.Status.OPEN
    assert StockLevel.objects.get(variant=showroom["buffalo"]).reserved == 2


def test_a_replay_of_the_cart_sale_is_the_same_sale(showroom):
    body = sale_of_the_cart(showroom)

    first = showroom["api"].post("/api/v1/pos/sales/", body, format="json")
    again = showroom["api"].post("/api/v1/pos/sales/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1


def test_the_cashier_adds_a_product_to_the_wishlist(showroom):
    api = showroom["api"]
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))

    response = api.post(
        f"/api/v1/pos/customers/{showroom['id']}/wishlist/",
        {"variant_id": spice.pk},
        format="json",
    )
    again = api.post(
        f"/api/v1/pos/customers/{showroom['id']}/wishlist/",
        {"variant_id": spice.pk},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json() == {"wishlist_variant_ids": [spice.pk]}
    assert again.json() == {"wishlist_variant_ids": [spice.pk]}
    assert WishlistItem.objects.filter(customer_id=showroom["id"]).count() == 1


def test_the_wishlist_needs_a_customer_found_here_and_a_product_on_sale(showroom):
    api = showroom["api"]
    stranger = customer_with(phone="+84912345678")
    gone = VariantFactory(is_active=False)

    not_found = api.post(
        f"/api/v1/pos/customers/{stranger.pk}/wishlist/",
        {"variant_id": showroom["buffalo"].pk},
        format="json",
    )
    not_sold = api.post(
        f"/api/v1/pos/customers/{showroom['id']}/wishlist/",
        {"variant_id": gone.pk},
        format="json",
    )

    assert (not_found.status_code, not_sold.status_code) == (404, 404)
    assert not WishlistItem.objects.exists()
