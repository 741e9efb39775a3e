"""Delivery fees: the rules, the order's fee computed on the server, and what pages show."""

from decimal import Decimal

import pytest
from django.conf import settings

from orders.models import Cart, Order, ShippingRule
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from orders.shipping import shipping_note, shipping_quote
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
)

HA_NOI, HO_CHI_MINH = "01", "79"
# Thành phố Hà Nội, Phường Cầu Giấy
CAU_GIAY = {"line1": "12 Trần Thái Tông", "province_code": HA_NOI, "ward_code": "00167"}
# Thành phố Hồ Chí Minh, Phường Bến Thành
BEN_THANH = {"line1": "1 Lê Lợi", "province_code": HO_CHI_MINH, "ward_code": "26743"}


@pytest.fixture
def rules():
    """Hà Nội, where the shop is: 20,000 đ, free from 300,000 đ. Elsewhere: 35,000 đ, then
    25,000 đ from 300,000 đ, free from 500,000 đ."""
    ShippingRule.objects.create(name="Nội thành Hà Nội", province_code=HA_NOI, fee_amount=20000)
    ShippingRule.objects.create(
        name="Hà Nội, đơn từ 300k", province_code=HA_NOI, min_order_amount=300000, fee_amount=0
    )
    ShippingRule.objects.create(name="Toàn quốc", fee_amount=35000)
    ShippingRule.objects.create(
        name="Toàn quốc, đơn từ 300k", min_order_amount=300000, fee_amount=25000
    )
    ShippingRule.objects.create(
        name="Toàn quốc, đơn từ 500k", min_order_amount=500000, fee_amount=0
    )


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    web = channel_selling_from(warehouse, showroom, kind="web", code="web")
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(spice, warehouse, 20)
    stocked(spice, showroom, 20)
    return web, showroom, spice


def quote(province_code, subtotal, fulfilment="ship"):
    return shipping_quote(
        fulfilment=fulfilment, province_code=province_code, subtotal_amount=Decimal(subtotal)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("province_code", "subtotal", "fee", "free_from"),
    [
        (HA_NOI, 85000, 20000, 300000),  # the province's own rule
        (HA_NOI, 300000, 0, 300000),  # free from its threshold
        (HO_CHI_MINH, 85000, 35000, 500000),  # no rule of its own: everywhere's
        (HO_CHI_MINH, 299999, 35000, 500000),
        (HO_CHI_MINH, 300000, 25000, 500000),  # the next step by order value
        (HO_CHI_MINH, 500000, 0, 500000),
        ("", 85000, 35000, 500000),  # an address written before 2025: everywhere's
    ],
)
def test_the_rule_of_the_province_and_the_order_value_applies(
    rules, province_code, subtotal, fee, free_from
):
    result = quote(province_code, subtotal)

    assert (result.amount, result.free_from_amount) == (Decimal(fee), Decimal(free_from))


@pytest.mark.django_db
def test_pick_up_is_free_and_no_rule_means_free_delivery(rules):
    assert quote(HO_CHI_MINH, 85000, fulfilment="pickup").amount == Decimal(0)
    ShippingRule.objects.update(is_active=False)
    assert quote(HO_CHI_MINH, 85000).amount == Decimal(0)


@pytest.mark.django_db
def test_the_note_says_the_lowest_fee_and_where_delivery_is_free_everywhere(rules):
    assert shipping_note() == type(shipping_note())(
        from_amount=Decimal(20000), free_from_amount=Decimal(500000)
    )


@pytest.mark.django_db
def test_the_order_carries_the_fee_of_its_province(rules, shop):
    # given: 2 jars to Hồ Chí Minh City (170,000 đ: 35,000 đ delivery)
    web, _showroom, spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=2)
    cart = checkout_start(
        cart=cart, contact_phone="0912345678", fulfilment="ship", shipping_address=BEN_THANH
    )

    # when
    order = order_place(cart=cart, payment_method="cod", expected_total_amount=Decimal(205000))

    # then
    assert (order.subtotal_amount, order.shipping_amount, order.total_amount) == (
        Decimal(170000),
        Decimal(35000),
        Decimal(205000),
    )
    assert order.payments.get().amount == Decimal(205000)
    assert order.shipping_address["province"] == "Thành phố Hồ Chí Minh"


@pytest.mark.django_db
def test_a_pick_up_order_pays_no_fee(rules, shop):
    web, showroom, spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone="0912345678", fulfilment="pickup", pickup_location=showroom
    )

    order = order_place(cart=cart, payment_method="cod")

    assert (order.shipping_amount, order.total_amount) == (Decimal(0), Decimal(85000))


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def checkout_to(client, spice, address, quantity=1):
    client.post("/cart/add/", {"variant_id": spice.pk, "quantity": quantity})
    response = client.post(
        "/checkout/",
        {"contact_phone": "0912 345 678", "fulfilment": "ship", **address},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_cart_and_the_product_page_say_what_delivery_costs(client, rules, shop):
    _web, _showroom, spice = shop
    client.post("/cart/add/", {"variant_id": spice.pk, "quantity": 1})

    cart = client.get("/cart/").content.decode()
    product = client.get(f"/p/{spice.product.slug}/").content.decode()

    for page in (cart, product):
        assert "Delivery from ₫20,000." in page
        assert "Free delivery on orders from ₫500,000." in page
        assert "Pick-up in store is free." in page
    assert "Add ₫415,000 more for free delivery." in cart


@pytest.mark.django_db
def test_the_payment_step_shows_the_fee_line_and_the_total(client, rules, shop):
    _web, _showroom, spice = shop
    checkout_to(client, spice, CAU_GIAY)

    page = client.get("/checkout/pay/").content.decode()

    assert '<strong class="shipping-fee">₫20,000</strong>' in page
    assert '<strong class="checkout-total">₫105,000</strong>' in page
    assert 'name="expected_total_amount" value="105000"' in page
    assert "Add ₫215,000 more for free delivery." in page


@pytest.mark.django_db
def test_a_tampered_fee_is_ignored_the_server_computes_it(client, rules, shop):
    # given: at the payment step, the form is sent with a total without the fee and a
    # made-up shipping field
    _web, _showroom, spice = shop
    checkout_to(client, spice, CAU_GIAY)

    # when
    refused = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "expected_total_amount": "85000", "shipping_amount": "0"},
    )

    # then: nothing is sold; the shopper is shown the real total to confirm
    assert refused.status_code == 400
    assert not Order.objects.exists()
    assert Cart.objects.get().status == Cart.Status.OPEN
    assert 'name="expected_total_amount" value="105000"' in refused.content.decode()

    # when: they confirm what they were shown (the made-up field is still sent)
    placed = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "expected_total_amount": "105000", "shipping_amount": "0"},
    )

    # then: the order has the fee of the rules
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.shipping_amount, order.total_amount) == (Decimal(20000), Decimal(105000))


@pytest.mark.django_db
def test_the_order_page_shows_the_delivery_line(client, rules, shop):
    _web, _showroom, spice = shop
    checkout_to(client, spice, BEN_THANH)
    placed = client.post(
        "/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "120000"}
    )

    page = client.get(placed["Location"]).content.decode()

    assert '<dd class="shipping-fee">₫35,000</dd>' in page
    assert "1 Lê Lợi, Phường Bến Thành, Thành phố Hồ Chí Minh" in page


# --- the staff screen --------------------------------------------------------------------


@pytest.mark.django_db
def test_owners_stop_rules_managers_only_read_them(client, rules):
    owner = StaffFactory(role="owner")
    manager = StaffFactory(role="store_manager")
    rule = ShippingRule.objects.get(name="Toàn quốc")

    client.force_login(manager)
    listing = client.get("/admin/orders/shippingrule/")
    refused = client.post(
        "/admin/orders/shippingrule/",
        {"action": "deactivate", "_selected_action": [rule.pk]},
    )
    rule.refresh_from_db()
    assert listing.status_code == 200
    assert "Stop applying these rules" not in listing.content.decode()
    assert refused.status_code == 200  # the list again, the unknown action ignored
    assert rule.is_active is True

    client.force_login(owner)
    client.post(
        "/admin/orders/shippingrule/", {"action": "deactivate", "_selected_action": [rule.pk]}
    )
    rule.refresh_from_db()
    assert rule.is_active is False
