"""Accents ignored in two more admin search boxes (issue 14): suppliers by name, tax code or
phone; guest orders (no customer profile) by their contact name. SQLite and PostgreSQL
alike (run the file with DATABASE_URL set for the second)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from customers.services import customer_erase
from inventory.models import Supplier
from inventory.services import supplier_upsert
from orders.models import Order
from tests.factories import (
    LocationFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
)

pytestmark = pytest.mark.django_db

SUPPLIERS = "/admin/inventory/supplier/"
ORDERS = "/admin/orders/order/"


def _found(client, url, term) -> list[str]:
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.fixture
def suppliers():
    supplier_upsert(name="HTX Nông sản Tây Bắc", tax_code="5500123456", phone="0212 385 1234")
    supplier_upsert(name="Đặc sản Tây Nguyên", phone="0262 111 2222")
    supplier_upsert(name="Công ty Trà Thái Nguyên", tax_code="4600987654")


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("tay bac", ["HTX Nông sản Tây Bắc"]),
        ("TÂY BẮC", ["HTX Nông sản Tây Bắc"]),
        ("nong san", ["HTX Nông sản Tây Bắc"]),
        ("tay", ["HTX Nông sản Tây Bắc", "Đặc sản Tây Nguyên"]),
        ("dac san", ["Đặc sản Tây Nguyên"]),  # đ is d
        ("nguyen", ["Công ty Trà Thái Nguyên", "Đặc sản Tây Nguyên"]),
        ("4600987654", ["Công ty Trà Thái Nguyên"]),
        ("0212 385 1234", ["HTX Nông sản Tây Bắc"]),
        ("+842123851234", ["HTX Nông sản Tây Bắc"]),
        ("tra bac", []),
    ],
)
def test_suppliers_are_found_without_accents(owner_client, suppliers, term, found):
    assert _found(owner_client, SUPPLIERS, term) == found


def test_a_renamed_supplier_is_found_by_its_new_name(owner_client, suppliers):
    supplier = Supplier.objects.get(tax_code="4600987654")
    supplier.name = "HTX Chè Tân Cương"
    supplier.save(update_fields=["name"])

    assert Supplier.objects.get(pk=supplier.pk).search_name == "htx che tan cuong"
    assert _found(owner_client, SUPPLIERS, "che tan cuong") == ["HTX Chè Tân Cương"]


def test_the_supplier_migration_folds_the_names_already_there(suppliers):
    Supplier.objects.update(search_name="")
    migration = importlib.import_module("inventory.migrations.0011_supplier_search_name")

    migration.fill_search_name(django_apps, None)

    assert sorted(Supplier.objects.values_list("search_name", flat=True)) == [
        "cong ty tra thai nguyen",
        "dac san tay nguyen",
        "htx nong san tay bac",
    ]


@pytest.fixture
def web():
    return channel_selling_from(LocationFactory(), code="web")


def test_a_guest_order_is_found_by_its_contact_name_without_accents(owner_client, web):
    # given: two guest orders and one of a profile named otherwise
    hers = order_minimal(channel=web, contact_name="Trần Thị Mai", number="W-1")
    order_minimal(channel=web, contact_name="Đặng Thu Hà", number="W-2")
    order_minimal(channel=web, customer=customer_with(full_name="Lê Văn Tám"), number="W-3")

    # when / then
    for term in ("tran thi mai", "TRAN THI", "mai tran", "Trần Thị Mai"):
        assert _found(owner_client, ORDERS, term) == [str(hers)], term
    assert _found(owner_client, ORDERS, "dang thu ha") == ["W-2"]
    assert _found(owner_client, ORDERS, "tran van") == []


def test_the_order_migration_folds_the_contact_names_already_there(web):
    order_minimal(channel=web, contact_name="Trần Thị Mai")
    order_minimal(channel=web, contact_name="")
    Order.objects.update(contact_search_name="")
    migration = importlib.import_module("orders.migrations.0020_order_contact_search_name")

    migration.fill_contact_search_name(django_apps, None)

    assert sorted(Order.objects.values_list("contact_search_name", flat=True)) == [
        "",
        "tran thi mai",
    ]


def test_erasing_a_customer_blanks_the_folded_contact_name_too(web):
    mai = customer_with(full_name="Trần Thị Mai", phone="+84912345678")
    order = order_minimal(channel=web, customer=mai, contact_name="Trần Thị Mai")

    customer_erase(customer=mai)

    order.refresh_from_db()
    assert (order.contact_name, order.contact_search_name) == ("", "")


@pytest.mark.postgres
def test_postgresql_serves_the_contact_name_search_from_a_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM orders_order WHERE contact_search_name::text LIKE %s",
            ["%tran thi%"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "orders_order_contact_trgm" in plan
