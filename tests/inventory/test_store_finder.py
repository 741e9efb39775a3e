"""The web store's shop finder (/stores/): every shop with its address, hours and a map
link; reached from a product page, that product's stock at each shop today."""

from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from config import divisions
from inventory.services import StockLine, product_upsert, stock_reserve, variant_upsert
from tests.factories import LocationFactory, WarehouseFactory, channel_selling_from, stocked

pytestmark = pytest.mark.django_db

# Session, header cart, the shops, the product, its stock levels: whatever the shops.
FINDER_QUERIES = 8


@pytest.fixture
def shops():
    province = "01"
    ward_code, ward = divisions.wards(province)[0]
    hang_giay = LocationFactory(
        code="hang-giay",
        name="Showroom Hàng Giấy",
        address="25 Hàng Giấy",
        province_code=province,
        ward_code=ward_code,
        opening_hours="08:00–21:30",
        latitude=Decimal("21.036900"),
        longitude=Decimal("105.850100"),
    )
    quan_1 = LocationFactory(
        code="quan-1",
        name="Cửa hàng Quận 1",
        address="12 Lê Lợi",
        city="TP. Hồ Chí Minh",
        accepts_pickup=False,
    )
    warehouse = WarehouseFactory(code="kho", name="Kho Long Biên")
    LocationFactory(code="closed", name="Cửa hàng đã đóng", is_active=False)
    web = channel_selling_from(warehouse, hang_giay, quan_1, code="web")
    buffalo = product_upsert(slug="trau-gac-bep", name="Thịt trâu gác bếp")
    small = variant_upsert(
        product=buffalo, sku="TRAU-250", price_amount=Decimal(250000), name="250 g"
    )
    large = variant_upsert(
        product=buffalo, sku="TRAU-500", price_amount=Decimal(450000), name="500 g", position=1
    )
    stocked(small, hang_giay, 3)
    stocked(small, warehouse, 20)
    stocked(large, quan_1, 2)
    # Quận 1's two are held by a checkout: none free there.
    stock_reserve(
        channel=web,
        lines=[StockLine(sku="TRAU-500", quantity=2)],
        reference="test",
        location=quan_1,
    )
    return {"hang_giay": hang_giay, "quan_1": quan_1, "ward": ward, "web": web, "buffalo": buffalo}


def _card(page: str, code: str) -> str:
    start = page.index(f'id="store-{code}"')
    end = page.find('class="store-card"', start)
    return page[start : end if end > 0 else len(page)]


def test_the_finder_lists_the_active_shops_with_address_hours_and_a_map_link(client, shops):
    response = client.get(reverse("catalog:stores"))

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Hệ thống cửa hàng" in page  # Vietnamese first
    assert "Kho Long Biên" not in page and "Cửa hàng đã đóng" not in page
    hang_giay = _card(page, "hang-giay")
    assert f"25 Hàng Giấy, {shops['ward']}, Thành phố Hà Nội" in hang_giay
    assert "Giờ mở cửa: 08:00–21:30" in hang_giay
    assert "Đặt hàng online, nhận tại cửa hàng này." in hang_giay
    assert "https://www.google.com/maps/search/?api=1&query=21.036900%2C105.850100" in hang_giay
    quan_1 = _card(page, "quan-1")
    assert "12 Lê Lợi, TP. Hồ Chí Minh" in quan_1
    # an address typed with its ward already in it does not say the ward twice
    hang_giay_location = shops["hang_giay"]
    hang_giay_location.address = f"25 Hàng Giấy, {shops['ward']}"
    hang_giay_location.save(update_fields=["address"])
    again = unescape(client.get(reverse("catalog:stores")).content.decode())
    assert f"25 Hàng Giấy, {shops['ward']}, Thành phố Hà Nội" in _card(again, "hang-giay")
    assert "nhận tại cửa hàng này" not in quan_1
    # no coordinates: the map searches the shop's name and address
    [map_url] = [part.split('"')[0] for part in quan_1.split('href="')[1:]]
    assert parse_qs(urlsplit(map_url).query)["query"] == [
        "Cửa hàng Quận 1, 12 Lê Lợi, TP. Hồ Chí Minh"
    ]
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]


def test_from_a_product_each_shop_shows_what_is_left_today(client, shops):
    response = client.get(reverse("catalog:stores"), {"product": "trau-gac-bep"})

    page = unescape(response.content.decode())
    assert "Tồn kho Thịt trâu gác bếp tại từng cửa hàng hôm nay." in page
    hang_giay = _card(page, "hang-giay")
    assert "250 g:" in hang_giay and "còn 3" in hang_giay
    assert "Nhận hàng hôm nay tại Showroom Hàng Giấy" in hang_giay
    quan_1 = _card(page, "quan-1")
    assert "500 g:" in quan_1 and "Hết hàng tại cửa hàng này" in quan_1  # all held
    assert "Nhận hàng hôm nay" not in quan_1


def test_in_english_too(client, shops):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = unescape(client.get("/stores/?product=trau-gac-bep").content.decode())

    assert "Our shops" in page and "3 left" in page and "Not in stock here" in page


def test_an_unknown_product_shows_the_shops_without_stock(client, shops):
    response = client.get(reverse("catalog:stores"), {"product": "no-such-thing"})

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Showroom Hàng Giấy" in page and "còn" not in page


def test_the_finder_only_reads(client, shops):
    assert client.post(reverse("catalog:stores")).status_code == 405


def test_the_product_page_links_pick_up_today_to_the_finder(client, shops):
    page = client.get(reverse("catalog:product", args=["trau-gac-bep"])).content.decode()

    assert 'href="/stores/?product=trau-gac-bep#store-hang-giay"' in page


@pytest.mark.parametrize("extra_shops", [0, 8])
def test_the_finder_takes_the_same_queries_for_2_and_10_shops(
    client, shops, django_assert_max_num_queries, extra_shops
):
    for n in range(extra_shops):
        shop = LocationFactory(code=f"shop-{n}", opening_hours="08:00–20:00")
        stocked(shops["buffalo"].variants.first(), shop, n + 1)

    with django_assert_max_num_queries(FINDER_QUERIES):
        response = client.get(reverse("catalog:stores"), {"product": "trau-gac-bep"})

    assert response.content.decode().count('class="store-card"') == 2 + extra_shops


@pytest.mark.parametrize("language, label", [("vi", "Hệ thống cửa hàng"), ("en", "Our shops")])
def test_every_store_page_links_to_the_finder_in_its_footer(client, shops, language, label):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # Twice: the second home page comes from the page cache, the footer is still there.
    for _ in range(2):
        page = unescape(client.get(reverse("catalog:home")).content.decode())
        footer = page[page.index('<footer class="site-footer">') :]
        assert f'<a class="stores-link" href="/stores/">{label}</a>' in footer
