"""At web checkout, points are paid only from the logged-in shopper's own profile."""

from decimal import Decimal

import pytest
from django.utils import translation

from customers.exceptions import InsufficientPoints
from customers.models import LoyaltyEntry
from customers.selectors import loyalty_balance
from customers.services import loyalty_earn, shopper_signup
from inventory.models import StockLevel
from orders.exceptions import CheckoutIncomplete
from orders.models import Cart, Order
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
)

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "25 Hàng Giấy", "city": "Hà Nội"}
B_PHONE = "+84912345678"


@pytest.fixture(autouse=True)
def _english_messages():
    """Assertions read the English text (the shop's default language is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def shop():
    warehouse = WarehouseFactory()
    web = channel_selling_from(warehouse, kind="web", code="web")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 3)
    return web, buffalo


@pytest.fixture
def a_and_b():
    """A: a logged-in shopper with 100 points; B: someone else's profile with 5,000."""
    shopper_a = shopper_signup(password="bánh-cuốn-2026", email="a@example.vn")
    loyalty_earn(customer=shopper_a, points=100, reference="order:A-1")
    profile_b = customer_with(phone=B_PHONE)
    loyalty_earn(customer=profile_b, points=5000, reference="order:B-1")
    return shopper_a, profile_b


def _checked_out_cart(web, buffalo, user, phone):
    cart = cart_get_or_create(user=user, channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    return checkout_start(cart=cart, contact_phone=phone, shipping_address=ADDRESS)


def test_a_logged_in_shopper_typing_someone_elses_phone_buys_for_their_own_profile(shop, a_and_b):
    # given
    web, buffalo = shop
    shopper_a, profile_b = a_and_b

    # when
    cart = _checked_out_cart(web, buffalo, shopper_a.user, "0912 345 678")
    order = order_place(cart=cart, payment_method="cod", points=100)

    # then: A's order, A's points; B's phone only recorded on it
    assert order.customer == shopper_a
    assert order.contact_phone == B_PHONE
    assert order.points_redeemed == 100
    assert loyalty_balance(customer=shopper_a) == 0
    assert loyalty_balance(customer=profile_b) == 5000
    assert list(profile_b.loyalty_entries.values_list("kind", "points")) == [("earn", 5000)]
    assert not profile_b.orders.exists() and not profile_b.carts.exists()
    assert not profile_b.events.filter(kind__in=["checkout_started", "order_placed"]).exists()
    assert list(shopper_a.contact_points.values_list("kind", flat=True)) == ["email"]


def test_asking_for_more_than_ones_own_points_is_refused_and_b_is_untouched(shop, a_and_b):
    # given
    web, buffalo = shop
    shopper_a, profile_b = a_and_b
    cart = _checked_out_cart(web, buffalo, shopper_a.user, B_PHONE)

    # when
    with pytest.raises(InsufficientPoints) as refused:
        order_place(cart=cart, payment_method="cod", points=5000)

    # then
    assert refused.value.code == "insufficient_points"
    assert not Order.objects.exists()
    assert LoyaltyEntry.objects.filter(kind="redeem").count() == 0
    assert loyalty_balance(customer=profile_b) == 5000
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN
    assert StockLevel.objects.get(variant=buffalo).reserved == 1  # the hold stays


def test_a_cart_pointing_at_another_profile_cannot_pay_with_its_points(shop, a_and_b):
    # given: a cart left attached to B (as checkout did before this rule)
    web, buffalo = shop
    shopper_a, profile_b = a_and_b
    cart = _checked_out_cart(web, buffalo, shopper_a.user, B_PHONE)
    Cart.objects.filter(pk=cart.pk).update(customer=profile_b)
    cart.refresh_from_db()

    # when
    with pytest.raises(CheckoutIncomplete) as refused:
        order_place(cart=cart, payment_method="cod", points=100)

    # then
    assert refused.value.fields == {
        "points": ["Only the points of the account you are logged in to can pay."]
    }
    assert not Order.objects.exists()
    assert not LoyaltyEntry.objects.filter(kind="redeem").exists()
    assert loyalty_balance(customer=profile_b) == 5000
    assert loyalty_balance(customer=shopper_a) == 100


def test_a_guest_typing_a_phone_still_lands_on_that_phones_profile_without_points(shop, a_and_b):
    # given
    web, buffalo = shop
    _shopper_a, profile_b = a_and_b
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone=B_PHONE, shipping_address=ADDRESS)

    # when
    with pytest.raises(CheckoutIncomplete):
        order_place(cart=cart, payment_method="cod", points=100)
    order = order_place(cart=cart, payment_method="cod")

    # then
    assert order.customer == profile_b
    assert loyalty_balance(customer=profile_b) == 5000
