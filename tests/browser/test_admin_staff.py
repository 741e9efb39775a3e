"""Staff in the admin, as they work (issue 14): a warehouse clerk receives a delivery from the
stock list without typing a URL; a cashier finds "tran thi mai" and reads her timeline."""

from decimal import Decimal

import pytest

from config.roles import CASHIER, WAREHOUSE
from customers.models import Event
from customers.services import event_record
from inventory.models import StockLevel, Supplier
from inventory.services import product_upsert, variant_upsert
from orders.services import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.browser.conftest import screenshot
from tests.factories import (
    LocationFactory,
    StaffFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk(browser, live_server):
    """A back-office screen (1280 px), in Vietnamese, that reaches nothing but the server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="vi-VN"
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
    yield page
    context.close()
    assert outside == [], f"requests left the machine: {outside}"


def _log_in(page, user):
    page.goto("/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator('form#login-form [type="submit"]').click()
    page.wait_for_load_state()


def _catalog():
    coffee = product_upsert(slug="ca-phe-cau-dat", name="Cà phê Cầu Đất")
    variants = [
        variant_upsert(product=coffee, sku="CF-250", price_amount=Decimal(130000), name="250 g"),
        variant_upsert(
            product=coffee,
            sku="CF-500",
            price_amount=Decimal(240000),
            name="500 g",
            barcode="8930000000019",
        ),
    ]
    tea = product_upsert(slug="tra-sen", name="Trà sen Tây Hồ")
    variants.append(
        variant_upsert(product=tea, sku="TRA-SEN-100", price_amount=Decimal(320000), name="100 g")
    )
    return variants


def _on_hand(page, sku: str) -> int:
    row = page.locator("#result_list tbody tr", has_text=sku)
    return int(row.locator("td.field-on_hand").inner_text())


def test_a_warehouse_clerk_receives_a_three_line_delivery_from_the_stock_list(desk):
    # given: a clerk of the warehouse, 4 bags of CF-250 already on the shelf, a supplier
    warehouse = WarehouseFactory(code="kho-long-bien", name="Kho Long Biên")
    cf_250, _cf_500, _tea = _catalog()
    stocked(cf_250, warehouse, 4)
    Supplier.objects.create(name="HTX Cà phê Cầu Đất", tax_code="5800123456")
    clerk = StaffFactory(role=WAREHOUSE, stores=[warehouse])
    _log_in(desk, clerk)

    # when: from the home page to the stock list to Receive, by clicking
    desk.locator('#content a[href="/admin/inventory/stocklevel/"]').first.click()
    desk.wait_for_load_state()
    assert _on_hand(desk, "CF-250") == 4
    desk.locator('a[href^="/admin/inventory/stocklevel/receive/"]').first.click()
    desk.wait_for_load_state()
    assert desk.url.endswith("/admin/inventory/stocklevel/receive/")
    desk.select_option("#id_supplier", label="HTX Cà phê Cầu Đất")
    desk.fill("#id_supplier_reference", "PGH-0042")
    # a scanner types the barcode and Enter: the cursor goes on to the quantity
    desk.locator("#id_lines-0-code").fill("8930000000019")
    desk.locator("#id_lines-0-code").press("Enter")
    assert desk.evaluate("document.activeElement.id") == "id_lines-0-quantity"
    desk.keyboard.type("12")
    desk.keyboard.press("Enter")
    desk.keyboard.type("215000")
    desk.keyboard.press("Enter")
    assert desk.evaluate("document.activeElement.id") == "id_lines-1-code"
    # the next lines typed by hand, the SKU in small letters
    desk.fill("#id_lines-1-code", "cf-250")
    desk.fill("#id_lines-1-quantity", "6")
    desk.fill("#id_lines-1-unit_cost_amount", "118000")
    desk.fill("#id_lines-2-code", "tra-sen-100")
    desk.fill("#id_lines-2-quantity", "3")
    desk.fill("#id_lines-2-unit_cost_amount", "260000")
    screenshot(desk, "admin-goods-receipt-1280px")
    desk.locator('input[name="post_receipt"]').click()
    desk.wait_for_load_state()

    # then: back on the warehouse's stock list, the stock went up line by line
    assert "/admin/inventory/stocklevel/" in desk.url
    # the message says so, with a link to the receipt
    assert desk.locator('a[href^="/admin/inventory/goodsreceipt/"][href$="/change/"]').count() == 1
    assert (_on_hand(desk, "CF-250"), _on_hand(desk, "CF-500"), _on_hand(desk, "TRA-SEN-100")) == (
        10,
        12,
        3,
    )
    assert dict(StockLevel.objects.values_list("variant__sku", "on_hand")) == {
        "CF-250": 10,
        "CF-500": 12,
        "TRA-SEN-100": 3,
    }
    screenshot(desk, "admin-stock-after-receipt-1280px")


def test_a_cashier_finds_tran_thi_mai_and_reads_her_timeline_in_words(desk):
    # given: Mai looked at the coffee and ordered two bags online for pick-up at the store
    store = LocationFactory(code="hang-giay", name="Hàng Giấy")
    web = channel_selling_from(store, code="web", name="Website")
    cf_250, _cf_500, _tea = _catalog()
    stocked(cf_250, store, 10)
    mai = customer_with(full_name="Trần Thị Mai", phone="+84912345678")
    customer_with(full_name="Trần Văn Nam", phone="+84912000111")
    event_record(
        customer=mai, kind=Event.Kind.PRODUCT_VIEWED, payload={"product_id": cf_250.product_id}
    )
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=cf_250.pk, quantity=2)
    cart = checkout_start(
        cart=cart,
        contact_name="Trần Thị Mai",
        contact_phone="0912345678",
        fulfilment="pickup",
        pickup_location=store,
    )
    order = order_place(cart=cart, payment_method="cod")
    _log_in(desk, StaffFactory(role=CASHIER, stores=[store]))

    # when: to the customers, a search without accents, her name
    desk.locator('#content a[href="/admin/customers/customer/"]').first.click()
    desk.wait_for_load_state()
    desk.fill("#searchbar", "tran thi mai")
    desk.press("#searchbar", "Enter")
    desk.wait_for_load_state()
    results = desk.locator("#result_list tbody tr")
    assert results.count() == 1
    results.first.get_by_role("link", name="Trần Thị Mai").click()
    desk.wait_for_load_state()

    # then: her timeline names the product and the order, with its amount, and links it
    timeline = desk.locator("table.timeline")
    text = timeline.inner_text()
    assert "Cà phê Cầu Đất" in text
    assert "Cà phê Cầu Đất 250 g × 2" in text
    assert order.number in text
    assert "260.000\u00a0₫" in text
    assert "#" not in text
    screenshot(desk, "admin-customer-timeline-1280px")
    timeline.locator("a.timeline-order").first.click()
    desk.wait_for_load_state()
    assert desk.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    screenshot(desk, "admin-order-from-timeline-1280px")
