"""A guest on a phone and on a laptop: the 2025 address pickers, the delivery fee, COD."""

from decimal import Decimal

import pytest

from orders.models import Order, ShippingRule
from tests.browser.conftest import screenshot
from tests.browser.test_store_catalog import a_small_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words of our English pages that must not show on the Vietnamese ones (a missed translation).
ENGLISH_WORDS = ["Delivery", "Payment", "Free", "Subtotal", "Province", "Ward", "Cash on", "Card"]


def no_english(page) -> list[str]:
    text = page.locator("body").inner_text()
    return [word for word in ENGLISH_WORDS if word in text]


@pytest.fixture(params=[375, 1280], ids=["375px", "1280px"])
def sized_page(request, browser, live_server):
    width = request.param
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="vi-VN"
    )
    outside = []
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server.url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    yield page, width
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def test_a_guest_picks_ha_noi_and_cau_giay_sees_the_fee_and_pays_cash_on_delivery(sized_page):
    page, width = sized_page
    a_small_catalog()
    ShippingRule.objects.create(name="Nội thành Hà Nội", province_code="01", fee_amount=20000)
    ShippingRule.objects.create(name="Toàn quốc", fee_amount=35000)

    # given: smoked buffalo meat in the cart, the delivery fee said on the product page
    page.goto("/p/trau-gac-bep/")
    assert "Giao hàng từ 20.000" in page.locator(".delivery-note").inner_text()
    page.locator('form[action="/cart/add/"] button[type="submit"]').first.click()
    page.wait_for_load_state()
    page.goto("/checkout/")

    # when: they pick the province, then the ward, from the pickers
    page.locator("#id_contact_name").fill("Chị Lan")
    page.locator("#id_contact_phone").fill("0912 345 678")
    assert page.locator("#id_contact_phone").get_attribute("type") == "tel"
    page.locator("#id_line1").fill("12 Trần Thái Tông")
    assert page.locator(".wards-refresh").count() == 0  # JavaScript fills the wards itself
    page.locator("#id_province_code").select_option(label="Thành phố Hà Nội")
    page.locator('#id_ward_code option[value="00167"]').wait_for(state="attached")
    page.locator("#id_ward_code").select_option(label="Phường Cầu Giấy")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert no_english(page) == []
    screenshot(page, f"delivery-1-address-{width}px")
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_url("**/checkout/pay/")

    # then: the fee is a line of the order, and with COD chosen no card field is in view
    assert page.locator(".shipping-fee").inner_text() == "20.000\u00a0₫"
    assert page.locator(".checkout-total").inner_text() == "270.000\u00a0₫"
    assert "Phường Cầu Giấy, Thành phố Hà Nội" in page.locator(".delivery-address").inner_text()
    assert page.locator(".delivery-contact").inner_text() == "Chị Lan · 0912 345 678"
    page.locator('input[name="payment_method"][value="cod"]').check()
    assert not page.locator("#id_card_number").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert no_english(page) == []
    screenshot(page, f"delivery-2-payment-cod-{width}px")
    page.locator('input[name="payment_method"][value="card"]').check()
    assert page.locator("#id_card_number").is_visible()
    page.locator('input[name="payment_method"][value="cod"]').check()
    assert not page.locator("#id_card_number").is_visible()
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_url("**/orders/*/")

    # then: the order carries the fee the server computed
    order = Order.objects.get()
    assert (order.shipping_amount, order.total_amount) == (Decimal(20000), Decimal(270000))
    assert order.shipping_address["ward"] == "Phường Cầu Giấy"
    assert page.locator(".shipping-fee").inner_text() == "20.000\u00a0₫"
    assert no_english(page) == []
    screenshot(page, f"delivery-3-confirmation-{width}px")

    # and in English the same order's lines are named in English, none in Vietnamese
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    lines = page.locator(".order-lines tbody").inner_text()
    assert "Smoked buffalo meat 250 g" in lines and "Thịt trâu" not in lines
    assert page.locator(".shipping-fee").inner_text() == "₫20,000"
    screenshot(page, f"delivery-4-confirmation-en-{width}px")


def test_without_javascript_the_ward_list_follows_the_province_after_a_submit(browser, live_server):
    a_small_catalog()
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 812},
        locale="vi-VN",
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto("/p/trau-gac-bep/")
    page.locator('form[action="/cart/add/"] button[type="submit"]').first.click()
    page.wait_for_load_state()
    page.goto("/checkout/")

    # when: the province is chosen and "Show its wards" pressed
    page.locator("#id_contact_phone").fill("0912 345 678")
    page.locator("#id_line1").fill("12 Trần Thái Tông")
    page.locator("#id_province_code").select_option(label="Thành phố Hà Nội")
    page.locator(".wards-refresh").click()
    page.wait_for_load_state()

    # then: Hà Nội's wards are offered, what was typed is kept; the order goes through
    assert page.locator("#id_line1").input_value() == "12 Trần Thái Tông"
    page.locator("#id_ward_code").select_option(label="Phường Cầu Giấy")
    screenshot(page, "delivery-no-js-wards-375px")
    page.locator("form.shop-form button.button-primary").click()
    page.wait_for_load_state()
    assert page.url.endswith("/checkout/pay/")
    # every payment method's details are there, under headings
    assert page.locator(".pay-details h3").count() == 3
    assert page.locator("#id_card_number").is_visible()
    screenshot(page, "delivery-no-js-payment-375px")
    context.close()
