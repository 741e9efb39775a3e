"""The admin's search boxes ignore accents and case (issue 14): customers by name, phone in
any form or email; products and variants by name, SKU or barcode; orders by number or
their customer; the stock list by product. On SQLite and PostgreSQL alike (run the file
with DATABASE_URL set for the second); on PostgreSQL a trigram index serves the search."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection

from customers.models import Customer
from inventory.services import product_upsert, variant_upsert
from tests.factories import (
    LocationFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
)

pytestmark = pytest.mark.django_db


def _found(client, url, term) -> list[str]:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.fixture
def people():
    mai = customer_with(full_name="Trần Thị Mai", phone="+84912345678", email="mai.tran@example.vn")
    customer_with(full_name="Trần Văn Nam", phone="+84912000111")
    customer_with(full_name="Đặng Thu Hà", email="ha@example.vn")
    return mai


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("tran thi mai", ["Trần Thị Mai"]),
        ("TRAN THI MAI", ["Trần Thị Mai"]),
        ("Trần Thị Mai", ["Trần Thị Mai"]),
        ("mai tran", ["Trần Thị Mai"]),
        ("tran", ["Trần Thị Mai", "Trần Văn Nam"]),
        ("dang thu ha", ["Đặng Thu Hà"]),  # đ is d
        ("0912345678", ["Trần Thị Mai"]),
        ("+84912345678", ["Trần Thị Mai"]),
        ("0912 345 678", ["Trần Thị Mai"]),
        ("Mai.Tran@Example.VN", ["Trần Thị Mai"]),
        ("tran thi hoa", []),
    ],
)
def test_customer_search_ignores_accents_and_phone_formats(owner_client, people, term, found):
    assert _found(owner_client, "/admin/customers/customer/", term) == found


def test_a_renamed_customer_is_found_by_the_new_name_only(owner_client, people):
    # when: the name is corrected the way the services save it (update_fields)
    people.full_name = "Trần Thị Mai Anh"
    people.save(update_fields=["full_name", "updated_at"])

    # then
    assert Customer.objects.get(pk=people.pk).search_name == "tran thi mai anh"
    assert _found(owner_client, "/admin/customers/customer/", "mai anh") == ["Trần Thị Mai Anh"]


def test_the_data_migration_folds_the_names_already_there(people):
    # given: rows written before the column existed
    Customer.objects.update(search_name="")
    migration = importlib.import_module("customers.migrations.0008_customer_search_name")

    # when
    migration.fill_search_name(django_apps, None)

    # then
    assert sorted(Customer.objects.values_list("search_name", flat=True)) == [
        "dang thu ha",
        "tran thi mai",
        "tran van nam",
    ]


@pytest.fixture
def catalog():
    coffee = product_upsert(slug="ca-phe-sua-da", name="Cà phê sữa đá", name_en="Iced milk coffee")
    variant_upsert(
        product=coffee,
        sku="CPSD-250",
        price_amount=Decimal(45000),
        barcode="8930000000019",
        name="250 ml",
    )
    tea = product_upsert(slug="tra-sen", name="Trà sen Tây Hồ")
    variant_upsert(product=tea, sku="TRA-SEN-100", price_amount=Decimal(120000), name="100 g")
    return coffee, tea


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("ca phe", ["Cà phê sữa đá"]),
        ("CA PHE SUA", ["Cà phê sữa đá"]),
        ("cà phê", ["Cà phê sữa đá"]),
        ("iced coffee", ["Cà phê sữa đá"]),
        ("tay ho", ["Trà sen Tây Hồ"]),
        ("cpsd-250", ["Cà phê sữa đá"]),
        ("8930000000019", ["Cà phê sữa đá"]),
        ("tra sua", []),
    ],
)
def test_product_search_ignores_accents_and_case(owner_client, catalog, term, found):
    assert _found(owner_client, "/admin/inventory/product/", term) == found


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("ca phe", ["Cà phê sữa đá 250 ml (CPSD-250)"]),
        ("tra-sen-100", ["Trà sen Tây Hồ 100 g (TRA-SEN-100)"]),
        ("tra sen 100", ["Trà sen Tây Hồ 100 g (TRA-SEN-100)"]),
        ("8930000000019", ["Cà phê sữa đá 250 ml (CPSD-250)"]),
    ],
)
def test_variant_search_ignores_accents_and_case(owner_client, catalog, term, found):
    assert _found(owner_client, "/admin/inventory/variant/", term) == found


def test_stock_list_search_ignores_accents(owner_client, catalog):
    # given
    store = LocationFactory()
    for product in catalog:
        stocked(product.variants.get(), store, 5)

    # when / then
    assert _found(owner_client, "/admin/inventory/stocklevel/", "ca phe") == [
        f"CPSD-250 @ {store.code}"
    ]


def test_order_search_by_number_and_by_the_customer_typed_any_way(owner_client, people):
    # given
    web = channel_selling_from(LocationFactory(), code="web")
    hers = order_minimal(channel=web, customer=people)
    order_minimal(channel=web, customer=Customer.objects.get(full_name="Trần Văn Nam"))

    # when / then
    for term in ("tran thi mai", "0912 345 678", "+84912345678", hers.number.lower()):
        assert _found(owner_client, "/admin/orders/order/", term) == [str(hers)], term


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("customers_customer", "search_name", "customers_cust_name_trgm"),
        ("inventory_product", "search_text", "inventory_product_search_trgm"),
    ],
)
def test_postgresql_serves_the_search_from_a_trigram_index(table, column, index):
    # given: the planner told to prefer an index wherever one can serve
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # when: the statement the admin's search sends (Django's "contains")
        cursor.execute(
            f"EXPLAIN SELECT id FROM {table} WHERE {column}::text LIKE %s", ["%tran thi%"]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then
    assert index in plan


@pytest.mark.postgres
@pytest.mark.parametrize(
    "term",
    ["0912 345 678", "mai.tran@example.vn", "WEB-000123", "tran thi", "912 345"],
    ids=["phone", "email", "number", "name", "part-of-a-phone"],
)
def test_postgresql_serves_the_order_and_customer_searches_from_indexes(people, term):
    from customers.selectors import customer_search
    from orders.admin.orders import order_search_condition
    from orders.models import Order

    # given: the planner told to prefer an index wherever one can serve (a part no index
    # can serve still shows as a sequential scan)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    # when
    plans = [
        Order.objects.filter(order_search_condition(term)).order_by("-placed_at")[:100].explain(),
        customer_search(term=term).explain(),
    ]

    # then: no table is read whole, whatever the term looks like; the order's own columns
    # and the customer's name and contacts each from their index (one OR across a join
    # would leave them unused)
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    contacts = "customers_contact_point_unique" if term[0] in "0m" else "customers_contact_value"
    for index in ("orders_order_number_trgm", "orders_order_contact_name_trgm", contacts):
        assert index in plans[0], plans[0]
    assert contacts in plans[1], plans[1]
    assert "customers_cust_name_trgm" in plans[1], plans[1]
