"""The shopper's journey through the store in a real browser, on a phone-sized screen."""

import re
import uuid
from decimal import Decimal

import pytest

from customers.selectors import customer_find_by_contact
from customers.services import shopper_signup
from orders.models import Order
from orders.services import pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from tests.browser.conftest import screenshot
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "thit-trau-gac-bep-2026"


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(
        name="Showroom Hàng Giấy", address="25 Hàng Giấy", accepts_pickup=True
    )
    LocationFactory(name="Cửa hàng Quận 1", accepts_pickup=True)  # has nothing
    channel_selling_from(warehouse, showroom, kind="web", code="web", name="Web")
    buffalo = VariantFactory(
        sku="TT-500G",
        product__name="Thịt trâu gác bếp",
        product__slug="thit-trau-gac-bep",
        name="500 g",
        price_amount=Decimal(450000),
    )
    stocked(buffalo, showroom, 5)
    return showroom, buffalo


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_guest_buys_from_the_product_page_and_picks_up_in_store(page, shop):
    showroom, buffalo = shop

    # given: a guest on the product page
    response = page.goto(f"/p/{buffalo.product.slug}/")
    assert response.status == 200
    screenshot(page, "journey-1-product")

    # when: they add it to the cart and open the cart
    page.locator('form[action="/cart/add/"] [type="submit"]').first.click()
    page.wait_for_load_state()
    page.locator(".cart-link").click()
    page.wait_for_url("**/cart/")
    assert page.locator(".cart-count").inner_text() == "1"
    assert fits_the_phone(page)
    screenshot(page, "journey-2-cart")
    page.locator('a[href="/checkout/"]').last.click()
    page.wait_for_url("**/checkout/")

    # and: check out for pick-up at the store that has it
    page.locator("#id_contact_name").fill("Chị Lan")
    page.locator("#id_contact_phone").fill("0909 908 089")
    page.locator('input[name="fulfilment"][value="pickup"]').check()
    stores = page.locator('input[name="pickup_location"]')
    assert stores.count() == 1  # the empty store is not offered
    page.locator(f'input[name="pickup_location"][value="{showroom.pk}"]').check()
    assert fits_the_phone(page)
    screenshot(page, "journey-3-checkout")
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_url("**/checkout/pay/")
    assert re.search(r"\d\d:\d\d", page.locator(".hold-notice").inner_text())
    assert fits_the_phone(page)
    screenshot(page, "journey-4-payment")
    page.locator('input[name="payment_method"][value="cod"]').check()
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_url("**/orders/*/")

    # then: the confirmation names the order and the store
    order = Order.objects.get()
    assert (order.fulfilment, order.location_id) == ("pickup", showroom.pk)
    assert order.number in page.get_by_role("heading", level=1).inner_text()
    assert "Showroom Hàng Giấy" in page.locator("main").inner_text()
    assert fits_the_phone(page)
    screenshot(page, "journey-5-confirmation")


def test_a_shopper_logs_in_and_sees_the_pos_order_made_for_their_phone(page, shop):
    showroom, buffalo = shop
    shopper_signup(password=PASSWORD, phone="0909908089", full_name="Chị Lan")
    channel_selling_from(showroom, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    terminal, _token = terminal_with_token(location=showroom)
    # given: at the till the cashier finds the shopper by the same phone, written another way
    at_the_till = customer_find_by_contact(kind="phone", value="+84 909 908 089")
    pos_order, _created = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        customer=at_the_till,
        lines=[LineInput(sku=buffalo.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(450000))],
    )

    # when: the shopper logs in on the web with the phone
    page.goto("/account/login/?next=/account/orders/")
    page.locator('input[name="username"]').fill("0909 908 089")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url("**/account/orders/")

    # then: the till's order is in their history, linked to its status page
    history = page.locator(".order-history")
    assert pos_order.number in history.inner_text()
    assert "POS Hàng Giấy" in history.inner_text()
    assert fits_the_phone(page)
    screenshot(page, "journey-6-account-orders")
    history.get_by_role("link", name=pos_order.number).click()
    page.wait_for_url("**/orders/*/")
    assert pos_order.number in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "journey-7-pos-order-status")


def test_an_invalid_phone_at_checkout_is_shown_and_announced(page, shop):
    _showroom, buffalo = shop
    page.goto("/cart/")
    # the cart is filled the way the product page's form does it
    with page.expect_navigation():
        page.evaluate(
            """([variant, token]) => {
                const form = document.createElement("form");
                form.method = "post"; form.action = "/cart/add/";
                for (const [name, value] of [["variant_id", variant], ["quantity", "1"],
                                             ["csrfmiddlewaretoken", token]]) {
                    const input = document.createElement("input");
                    input.type = "hidden"; input.name = name; input.value = value;
                    form.append(input);
                }
                document.body.append(form); form.submit();
            }""",
            [
                str(buffalo.pk),
                page.locator('input[name="csrfmiddlewaretoken"]').first.input_value(),
            ],
        )
    assert page.locator(".cart-count").inner_text() == "1"
    page.goto("/checkout/")

    # when: the phone is mistyped
    page.locator("#id_contact_phone").fill("0909-abc")
    page.locator("#id_line1").fill("25 Hàng Giấy")
    page.locator("#id_province_code").select_option(label="Thành phố Hà Nội")
    page.locator("#id_ward_code").select_option(label="Phường Hoàn Kiếm")
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_load_state()

    # then: an alert says so, and the field is marked invalid and points at its message
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    phone = page.locator("#id_contact_phone")
    assert phone.get_attribute("aria-invalid") == "true"
    described_by = phone.get_attribute("aria-describedby").split()
    assert "id_contact_phone_error" in described_by
    assert page.locator("#id_contact_phone_error").is_visible()
    assert phone.input_value() == "0909-abc"  # what they typed is kept
    assert not Order.objects.exists()
    assert fits_the_phone(page)
    screenshot(page, "journey-8-checkout-error")
