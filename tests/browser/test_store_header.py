"""One header on every page, compact on a phone; spelling help for a search that found nothing."""

import pytest

from customers.services import shopper_signup
from orders.models import ShippingRule
from tests.browser.conftest import screenshot
from tests.browser.test_store_catalog import a_small_catalog
from tests.browser.test_store_delivery import sized_page  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "thit-trau-gac-bep-2026"
HEADER_PARTS = [
    ".site-header",
    ".brand",
    ".site-search",
    ".site-nav",
    ".cart-link",
    ".account-link",
]


def header_boxes(page) -> dict:
    return {selector: page.locator(selector).first.bounding_box() for selector in HEADER_PARTS}


def test_the_header_is_the_same_on_catalog_cart_checkout_and_account(sized_page):  # noqa: F811
    page, width = sized_page
    a_small_catalog()
    ShippingRule.objects.create(name="Toàn quốc", fee_amount=30000)
    shopper_signup(password=PASSWORD, phone="0912345678", full_name="Chị Lan")
    page.goto("/account/login/")
    page.locator('input[name="username"]').fill("0912 345 678")
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url("**/account/")
    page.goto("/p/trau-gac-bep/")
    page.locator('form[action="/cart/add/"] button[type="submit"]').first.click()
    page.wait_for_load_state()

    # when: the same shopper opens each kind of page
    boxes = {}
    for name, path in [
        ("catalog", "/"),
        ("product", "/p/trau-gac-bep/"),
        ("cart", "/cart/"),
        ("checkout", "/checkout/"),
        ("account", "/account/"),
        ("orders", "/account/orders/"),
    ]:
        page.goto(path)
        boxes[name] = header_boxes(page)
        screenshot(page, f"header-{name}-{width}px")

    # then: every part of the header has the same box everywhere
    first = boxes["catalog"]
    for name, parts in boxes.items():
        assert parts == first, f"the header differs on the {name} page"
    # and it is compact: on a phone two rows, no link wrapped onto a second line
    header = first[".site-header"]
    assert header["height"] <= (120 if width == 375 else 70)
    for link in (".cart-link", ".account-link"):
        assert first[link]["height"] <= 45
    brand, nav = first[".brand"], first[".site-nav"]
    assert brand["x"] + brand["width"] <= nav["x"]  # nothing overlaps the brand
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the account's tab bar is on "My orders" too, with "Orders" as the current tab
    current = page.locator('.account-nav a[aria-current="page"]')
    assert current.inner_text() == "Đơn hàng"


def test_a_misspelled_search_shows_suggestions(sized_page):  # noqa: F811
    page, width = sized_page
    a_small_catalog()

    # when: "thịt trâu" typed without accents and with a slip of the finger
    page.goto("/")
    page.get_by_role("searchbox").fill("thit truo")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search/?q=thit+truo")

    # then: what was searched, the count, a corrected query, the close product, categories
    empty = page.locator(".search-empty")
    assert "Không tìm thấy sản phẩm nào cho “thit truo”." in empty.inner_text()
    assert page.locator(".result-count").inner_text() == "0 sản phẩm"
    assert page.locator(".did-you-mean a").inner_text() == "thit trau"
    assert page.locator(".suggestions a").all_inner_texts()[0] == "Thịt trâu gác bếp"
    assert page.locator(".category-chips a").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"search-suggestions-{width}px")

    # and: the suggestion leads to the product
    page.locator(".suggestions a").first.click()
    page.wait_for_url("**/p/trau-gac-bep/")
