from decimal import Decimal

import pytest

from customers.models import Event, WishlistItem
from orders.models import Cart, CartLine
from tests.factories import (
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
)


@pytest.fixture
def jar():
    warehouse = WarehouseFactory()
    channel_selling_from(warehouse, kind="web", code="web")
    variant = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(variant, warehouse, 3)
    return variant


@pytest.mark.django_db
def test_a_guest_adds_to_the_cart_and_the_header_counts_it(client, jar):
    response = client.post("/cart/add/", {"variant_id": jar.pk, "quantity": 2, "next": "/"})

    assert response.status_code == 302
    cart = Cart.objects.get()
    assert client.session["cart_token"] == str(cart.token)
    assert CartLine.objects.get().quantity == 2
    page = client.get("/")
    assert '<span class="cart-count">2</span>' in page.content.decode()


@pytest.mark.django_db
def test_adding_beyond_what_is_left_says_so_and_keeps_the_cart(client, jar):
    client.post("/cart/add/", {"variant_id": jar.pk, "quantity": 2})

    response = client.post("/cart/add/", {"variant_id": jar.pk, "quantity": 2}, follow=True)

    assert "3" in response.content.decode()  # "Only 3 … left"
    assert CartLine.objects.get().quantity == 2


@pytest.mark.django_db
def test_the_guest_cart_joins_the_account_at_the_first_cart_page_after_login(client, jar):
    customer = customer_with(email="toan@example.vn")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    client.post("/cart/add/", {"variant_id": jar.pk, "quantity": 1})

    client.force_login(user)
    client.get("/cart/")

    cart = Cart.objects.get(status=Cart.Status.OPEN)
    assert cart.user == user
    assert cart.lines.get().quantity == 1
    assert "cart_token" not in client.session


@pytest.mark.django_db
def test_bad_input_is_a_message_not_an_error(client, jar):
    response = client.post("/cart/add/", {"variant_id": "x"}, follow=True)

    assert response.status_code == 200
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_an_identified_shoppers_product_view_is_recorded_by_the_pixel(client, jar):
    customer = customer_with(email="toan@example.vn")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    client.force_login(user)

    response = client.get(f"/account/seen/{jar.product_id}/")

    assert response["Content-Type"] == "image/gif"
    assert Event.objects.get(kind="product_viewed").payload["product_id"] == jar.product_id


@pytest.mark.django_db
def test_an_anonymous_view_records_nothing(client, jar):
    assert client.get(f"/account/seen/{jar.product_id}/").status_code == 200
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_saving_to_the_wishlist_needs_a_login_and_then_works(client, jar):
    anonymous = client.post("/account/wishlist/toggle/", {"variant_id": jar.pk})
    assert anonymous.status_code == 302
    assert "/account/login/" in anonymous["Location"]
    customer = customer_with(email="toan@example.vn")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    client.force_login(user)

    client.post("/account/wishlist/toggle/", {"variant_id": jar.pk, "next": "/"})

    assert WishlistItem.objects.get().variant == jar
