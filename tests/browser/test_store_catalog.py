"""A guest on a phone finds a product without typing accents and sees its stock per shop."""

import re
from decimal import Decimal

import pytest

from inventory.models import Location, SalesChannel
from inventory.services import (
    StockLine,
    category_upsert,
    location_upsert,
    product_upsert,
    sales_channel_upsert,
    stock_receive,
    variant_upsert,
)
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 375


def a_small_catalog():
    """Smoked buffalo meat in a warehouse and a showroom that hands over pick-ups, among
    other products, all written through the services (as seed_demo does)."""
    warehouse = location_upsert(code="kho", name="Kho Long Biên", kind=Location.Kind.WAREHOUSE)
    showroom = location_upsert(
        code="hn-hang-giay",
        name="Showroom Hàng Giấy",
        kind=Location.Kind.STORE,
        accepts_pickup=True,
        opening_hours="08:00–21:30",
    )
    sales_channel_upsert(
        code="web", name="Web", kind=SalesChannel.Kind.WEB, locations=[warehouse, showroom]
    )
    smoked = category_upsert(slug="thit-gac-bep", name="Thịt gác bếp", name_en="Smoked meats")
    spices = category_upsert(slug="gia-vi", name="Gia vị Tây Bắc", name_en="Northwest spices")
    lines = {warehouse: [], showroom: []}
    for slug, name, name_en, category, price in [
        ("trau-gac-bep", "Thịt trâu gác bếp", "Smoked buffalo meat", smoked, 250_000),
        ("lon-gac-bep", "Thịt lợn gác bếp", "Smoked pork", smoked, 210_000),
        ("mac-khen", "Mắc khén rừng", "Wild mac khen pepper", spices, 85_000),
        ("hat-doi", "Hạt dổi rừng", "Wild doi seeds", spices, 120_000),
    ]:
        product = product_upsert(slug=slug, name=name, name_en=name_en, category=category)
        sku = slug.upper()
        variant_upsert(
            product=product,
            sku=sku,
            price_amount=Decimal(price),
            compare_at_amount=Decimal(price + 50_000) if slug == "trau-gac-bep" else None,
            name="250 g",
        )
        lines[warehouse].append(StockLine(sku=sku, quantity=12))
        if slug == "trau-gac-bep":
            lines[showroom].append(StockLine(sku=sku, quantity=3))
    for location, location_lines in lines.items():
        stock_receive(location=location, lines=location_lines)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_guest_searches_without_accents_opens_the_product_and_sees_stock_per_store(page):
    # given: the store, on a phone, in Vietnamese
    a_small_catalog()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text() == "Chào mừng đến với Tiệm"
    assert page.locator(".grid .card").count() == 4
    assert fits_the_phone(page)
    assert screenshot(page, "catalog-home-375px").stat().st_size > 0

    # when: they search without accents in the header's search box
    page.get_by_role("searchbox").fill("thit trau gac bep")
    page.get_by_role("searchbox").press("Enter")

    # then: the one matching product
    page.wait_for_url(re.compile(r"/search/\?q=thit\+trau\+gac\+bep$"))
    assert page.locator(".grid .card").count() == 1
    result = page.get_by_role("link", name="Thịt trâu gác bếp")
    assert result.is_visible()
    assert fits_the_phone(page)
    assert screenshot(page, "catalog-search-375px").stat().st_size > 0

    # when: they open it
    result.click()

    # then: its price in đồng the Vietnamese way and its stock in the showroom
    page.wait_for_url(re.compile(r"/p/trau-gac-bep/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Thịt trâu gác bếp"
    assert re.search(r"250\.000\s₫", page.locator(".variant .price").inner_text())
    showroom = page.locator(".store-stock li", has_text="Showroom Hàng Giấy")
    assert showroom.count() == 1
    assert "3" in showroom.inner_text()
    assert page.get_by_role("spinbutton").count() == 1  # the labelled quantity
    assert fits_the_phone(page)
    assert screenshot(page, "catalog-product-375px").stat().st_size > 0

    # and in English, the same page says it in words
    page.get_by_role("button", name="English").click()  # one click, in its own name
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Smoked buffalo meat"
    assert "3 left at Showroom Hàng Giấy" in showroom.inner_text()
    assert "Pick up today at Showroom Hàng Giấy" in showroom.inner_text()
    assert page.get_by_label("Quantity").input_value() == "1"
    assert "₫250,000" in page.locator(".variant .price").inner_text()
    assert screenshot(page, "catalog-product-en-375px").stat().st_size > 0
