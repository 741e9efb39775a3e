import pytest
from django.contrib.auth import get_user_model

from config.roles import CASHIER
from inventory.services import StockLine, stock_reserve
from tests.factories import (
    ProductFactory,
    StaffFactory,
    VariantFactory,
    stocked,
    terminal_with_token,
)


def product_with_stock(shop, n, **fields):
    product = ProductFactory(**fields)
    for size in ("100 g", "250 g"):
        variant = VariantFactory(product=product, name=size)
        stocked(variant, shop.hang_giay, 3)
        stocked(variant, shop.saigon, 1)
    return product


@pytest.fixture
def staff_client(client, db):
    client.force_login(StaffFactory(role=CASHIER))
    return client


def test_search_by_name_sku_or_barcode_with_availability_here_and_elsewhere(shop, staff_client):
    # given
    product = ProductFactory(name="Mắc khén rừng", name_en="Wild mac khen")
    variant = VariantFactory(product=product, sku="MK-100", barcode="8934563138165")
    stocked(variant, shop.hang_giay, 3)
    stocked(variant, shop.saigon, 2)
    stock_reserve(
        channel=shop.web,
        lines=[StockLine(sku="MK-100", quantity=2)],
        reference="r",
        location=shop.saigon,
    )
    ProductFactory(name="Hạt dổi")

    # when
    by_name = staff_client.get("/api/v1/products/", {"q": "khén", "location": "hang-giay"})
    by_sku = staff_client.get("/api/v1/products/", {"q": "mk-100"})
    by_barcode = staff_client.get("/api/v1/products/", {"barcode": "8934563138165"})

    # then
    assert by_name.status_code == 200
    [found] = by_name.json()["results"]
    [found_variant] = found["variants"]
    assert found_variant["sku"] == "MK-100"
    assert found_variant["price_amount"] == str(variant.price_amount.quantize(1)) + ".00"
    assert found_variant["availability"]["here"] == 3
    assert [
        (row["location_code"], row["available"])
        for row in found_variant["availability"]["elsewhere"]
    ] == [("quan-1", 0)]
    assert [p["slug"] for p in by_sku.json()["results"]] == [product.slug]
    assert [p["slug"] for p in by_barcode.json()["results"]] == [product.slug]
    assert by_sku.json()["results"][0]["variants"][0]["availability"]["here"] is None


def test_unknown_location_or_bad_filter_is_a_400(staff_client, shop):
    assert staff_client.get("/api/v1/products/", {"location": "nowhere"}).status_code == 400
    response = staff_client.get("/api/v1/products/", {"min_price": "cheap"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("name", "value"), [("min_price", "-1"), ("max_price", "1000000000001"), ("max_price", "1e40")]
)
def test_a_price_filter_outside_0_to_the_price_limit_is_a_400(staff_client, shop, name, value):
    response = staff_client.get("/api/v1/products/", {name: value})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [name]


def test_search_needs_staff(client, db):
    anonymous = client.get("/api/v1/products/")
    client.force_login(get_user_model().objects.create_user("shopper", password="x"))
    shopper = client.get("/api/v1/products/")

    # no login: 401 with a challenge; a shopper's login: 403 (staff only)
    assert (anonymous.status_code, shopper.status_code) == (401, 403)


@pytest.mark.parametrize("rows", [3, 30])
def test_search_query_count_stays_flat(shop, staff_client, rows, django_assert_max_num_queries):
    # given
    for n in range(rows):
        product_with_stock(shop, n)

    # when / then: session, user, 2 permissions, location, count, page, variants, images, stock
    with django_assert_max_num_queries(10):
        response = staff_client.get("/api/v1/products/", {"location": "hang-giay"})
    assert response.status_code == 200
    assert response.json()["count"] == rows + 1  # and the shop fixture's product


def test_pos_lookup_by_barcode_uses_the_terminals_store(shop, client):
    # given: the till is in Quận 1
    _terminal, token = terminal_with_token(location=shop.saigon)
    variant = VariantFactory(sku="MK-100", barcode="8934563138165")
    stocked(variant, shop.hang_giay, 3)
    stocked(variant, shop.saigon, 2)

    # when
    response = client.get(
        "/api/v1/pos/products/",
        {"barcode": "8934563138165"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    # then
    assert response.status_code == 200
    availability = response.json()["results"][0]["variants"][0]["availability"]
    assert availability["here"] == 2
    assert [(r["location_code"], r["available"]) for r in availability["elsewhere"]] == [
        ("hang-giay", 3)
    ]


@pytest.mark.parametrize("rows", [3, 30])
def test_pos_lookup_query_count_stays_flat(shop, client, rows, django_assert_max_num_queries):
    _terminal, token = terminal_with_token(location=shop.saigon)
    for n in range(rows):
        product_with_stock(shop, n)

    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/pos/products/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["count"] == rows + 1  # and the shop fixture's product


def test_pos_lookup_needs_a_terminal_token(client, db):
    assert client.get("/api/v1/pos/products/").status_code == 401
