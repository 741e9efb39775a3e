"""Staff act for their stores: lists, pages, choices and actions (issue 11).

The authorization matrix (test_authorization_matrix.py) asserts every screen and role; these
tests follow the writes: what a scoped staff member's POST does to another store's rows.
"""

from decimal import Decimal

import pytest
import tablib

from config.roles import CASHIER, MARKETER, OWNER, STORE_MANAGER, WAREHOUSE
from inventory.models import Reservation, StockLevel, StockMovement, Variant
from inventory.resources import CatalogResource, StockResource
from inventory.selectors import staff_location_ids
from inventory.services import StockLine, stock_reserve
from orders.models import Terminal
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores():
    return LocationFactory(code="store-a", name="Store A"), LocationFactory(
        code="store-b", name="Store B"
    )


def test_scope_follows_the_permission_not_the_group(stores):
    store_a, _store_b = stores
    # given
    owner = StaffFactory(role=OWNER, stores=[store_a])
    marketer = StaffFactory(role=MARKETER)
    cashier = StaffFactory(role=CASHIER, stores=[store_a])
    nowhere = StaffFactory(role=STORE_MANAGER)

    # then
    assert staff_location_ids(owner) is None
    assert staff_location_ids(marketer) is None
    assert staff_location_ids(cashier) == frozenset({store_a.pk})
    assert staff_location_ids(nowhere) == frozenset()


def test_a_cashier_lists_only_their_stores_orders(client, stores):
    store_a, store_b = stores
    # given
    web = channel_selling_from(store_a, store_b, code="web")
    ours = order_minimal(channel=web, fulfilment="pickup", location=store_a)
    theirs = order_minimal(channel=web, fulfilment="pickup", location=store_b)
    client.force_login(StaffFactory(role=CASHIER, stores=[store_a]))

    # when
    listed = client.get("/admin/orders/order/")
    other_page = client.get(f"/admin/orders/order/{theirs.pk}/change/")

    # then
    assert [order.pk for order in listed.context["cl"].result_list] == [ours.pk]
    assert other_page.status_code == 404


def test_a_shipped_order_belongs_to_the_stores_its_channel_sells_from(client, stores):
    store_a, store_b = stores
    # given: one web channel sells from store A, a marketplace only from store B
    web = channel_selling_from(store_a, code="web")
    marketplace = channel_selling_from(store_b, kind="marketplace", code="shopee")
    shipped_from_a = order_minimal(channel=web)
    shipped_from_b = order_minimal(channel=marketplace)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store_a]))

    # when
    listed = client.get("/admin/orders/order/")

    # then
    assert [order.pk for order in listed.context["cl"].result_list] == [shipped_from_a.pk]
    assert client.get(f"/admin/orders/order/{shipped_from_b.pk}/change/").status_code == 404


def test_an_action_posted_with_another_stores_order_does_nothing_to_it(client, stores):
    store_a, store_b = stores
    # given
    web = channel_selling_from(store_a, store_b, code="web")
    theirs = order_minimal(channel=web, fulfilment="pickup", location=store_b)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store_a]))

    # when
    client.post(
        "/admin/orders/order/", {"action": "cancel", "_selected_action": [theirs.pk]}, follow=True
    )

    # then
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_a_store_manager_creates_terminals_only_for_their_stores(client, stores):
    store_a, store_b = stores
    # given
    closed = LocationFactory(code="closed", is_active=False)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store_a, closed]))

    # when
    form = client.get("/admin/orders/terminal/add/").context["adminform"].form
    refused = client.post("/admin/orders/terminal/add/", {"location": store_b.pk, "name": "X"})

    # then
    assert list(form.fields["location"].queryset) == [store_a]
    assert refused.status_code == 200
    assert "location" in refused.context["adminform"].form.errors
    assert Terminal.objects.count() == 0


def test_stock_forms_offer_and_accept_only_the_staff_members_locations(client, stores):
    store_a, store_b = stores
    # given
    jar = VariantFactory(sku="MK-100")
    client.force_login(StaffFactory(role=WAREHOUSE, stores=[store_a]))

    # when
    refused = client.post(
        "/admin/inventory/stocklevel/receive/",
        {
            "location": store_b.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-code": jar.sku,
            "lines-0-quantity": "5",
            "lines-0-unit_cost_amount": "0",
        },
    )
    transfer_form = client.get("/admin/inventory/stocklevel/transfer/").context["form"]

    # then: a transfer leaves from their location and may go anywhere
    assert refused.status_code == 200
    assert "location" in refused.context["form"].errors
    assert StockMovement.objects.count() == 0
    assert list(transfer_form.fields["source"].queryset) == [store_a]
    assert set(transfer_form.fields["destination"].queryset) == {store_a, store_b}


def test_a_reservation_partly_held_elsewhere_is_not_released_by_a_scoped_manager(client, stores):
    store_a, store_b = stores
    # given: one order holds units at both stores
    jar = VariantFactory(sku="MK-100")
    stocked(jar, store_a, 1)
    stocked(jar, store_b, 1)
    web = channel_selling_from(store_a, store_b, code="web")
    stock_reserve(channel=web, lines=[StockLine(sku="MK-100", quantity=2)], reference="order:WEB-1")
    own = Reservation.objects.get(stock_level__location=store_a)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[store_a]))

    # when
    client.post(
        "/admin/inventory/reservation/",
        {"action": "release", "_selected_action": [own.pk]},
        follow=True,
    )

    # then
    assert set(Reservation.objects.values_list("status", flat=True)) == {"active"}
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == 2


def test_a_stock_import_for_another_location_is_refused(stores):
    store_a, store_b = stores
    # given
    jar = VariantFactory(sku="MK-100")
    stocked(jar, store_b, 3)
    warehouse_staff = StaffFactory(role=WAREHOUSE, stores=[store_a])
    data = tablib.Dataset(["MK-100", "store-b", "0"], headers=["sku", "location", "on_hand"])
    movements = StockMovement.objects.count()

    # when
    result = StockResource().import_data(data, dry_run=False, user=warehouse_staff)

    # then
    assert result.has_validation_errors()
    assert StockMovement.objects.count() == movements
    assert StockLevel.objects.get(location=store_b).on_hand == 3


CATALOG_HEADERS = ["product_slug", "product_name", "sku", "name", "price_amount", "is_active"]


def test_the_warehouse_cannot_change_prices_by_import_or_on_the_page(client):
    # given
    jar = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    warehouse_staff = StaffFactory(role=WAREHOUSE, stores=[WarehouseFactory()])
    slug = jar.product.slug
    cheaper = tablib.Dataset(
        [slug, jar.product.name, "MK-100", "100 g", "1000", "1"], headers=CATALOG_HEADERS
    )
    same = tablib.Dataset(
        [slug, jar.product.name, "MK-100", "100 g gói", "85000", "1"], headers=CATALOG_HEADERS
    )
    client.force_login(warehouse_staff)

    # when
    refused = CatalogResource().import_data(cheaper, dry_run=False, user=warehouse_staff)
    allowed = CatalogResource().import_data(same, dry_run=False, user=warehouse_staff)
    page = client.get(f"/admin/inventory/variant/{jar.pk}/change/")

    # then: the unchanged price passes, the other fields are the warehouse's to edit
    assert refused.has_validation_errors()
    assert not allowed.has_validation_errors() and not allowed.has_errors()
    assert Variant.objects.get(pk=jar.pk).price_amount == Decimal(85000)
    assert Variant.objects.get(pk=jar.pk).name == "100 g gói"
    assert "price_amount" not in page.context["adminform"].form.fields
    assert client.get("/admin/inventory/variant/add/").status_code == 403


def test_a_store_manager_changes_prices_by_import():
    # given
    jar = VariantFactory(sku="MK-100", price_amount=Decimal(85000))
    manager = StaffFactory(role=STORE_MANAGER)
    data = tablib.Dataset(
        [jar.product.slug, jar.product.name, "MK-100", "100 g", "90000", "1"],
        headers=CATALOG_HEADERS,
    )

    # when
    result = CatalogResource().import_data(data, dry_run=False, user=manager)

    # then
    assert not result.has_validation_errors() and not result.has_errors()
    assert Variant.objects.get(pk=jar.pk).price_amount == Decimal(90000)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (CASHIER, "h***@gmail.com, 090****089"),
        (STORE_MANAGER, "hoa@gmail.com, 0909 908 089"),
        (MARKETER, "hoa@gmail.com, 0909 908 089"),
    ],
)
def test_cashiers_see_customer_contacts_masked(client, role, shown):
    # given
    customer = customer_with(
        phone="+84909908089",
        email="hoa@gmail.com",
        addresses=[{"name": "Hoa", "phone": "+84909908089", "line1": "1 Hàng Giấy"}],
    )
    client.force_login(StaffFactory(role=role))

    # when: found by the phone typed at the desk
    listed = client.get("/admin/customers/customer/", {"q": "0909 908 089"})
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/")

    # then
    assert shown in listed.content.decode()
    html = page.content.decode()
    if role == CASHIER:
        assert "+84909908089" not in html and "hoa@gmail.com" not in html
        assert "090****089" in html and "h***@gmail.com" in html
    else:
        assert "+84909908089" in html and "hoa@gmail.com" in html


def test_a_cashier_edits_a_customer_without_touching_the_addresses_they_cannot_read(client):
    # given
    address = {"name": "Hoa", "phone": "+84909908089", "line1": "1 Hàng Giấy"}
    customer = customer_with(phone="+84909908089", full_name="Hoa", addresses=[address])
    client.force_login(StaffFactory(role=CASHIER))
    url = f"/admin/customers/customer/{customer.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: ("Nguyễn Thị Hoa" if name == "full_name" else value)
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data |= {
        "contact_points-TOTAL_FORMS": "1",
        "contact_points-INITIAL_FORMS": "1",
        "contact_points-0-id": str(customer.contact_points.get().pk),
        "contact_points-0-customer": str(customer.pk),
    }

    # when
    response = client.post(url, data)

    # then
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.full_name == "Nguyễn Thị Hoa"
    assert customer.addresses == [address]


@pytest.mark.parametrize(("role", "masked"), [(CASHIER, True), (STORE_MANAGER, False)])
def test_an_orders_contacts_are_masked_for_cashiers_too(client, stores, role, masked):
    store_a, _store_b = stores
    # given
    web = channel_selling_from(store_a, code="web")
    order = order_minimal(
        channel=web,
        fulfilment="pickup",
        location=store_a,
        contact_phone="+84909908089",
        contact_email="hoa@gmail.com",
    )
    client.force_login(StaffFactory(role=role, stores=[store_a]))

    # when
    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    # then
    # A phone in full is written the Vietnamese way (config.admin.DisplayMixin).
    assert ("0909 908 089" in html, "hoa@gmail.com" in html) == (not masked, not masked)
    assert ("090****089" in html, "h***@gmail.com" in html) == (masked, masked)


def test_location_filters_name_only_the_staff_members_locations(client, stores):
    store_a, _store_b = stores
    # given: (a filter of one choice is not shown at all)
    depot = WarehouseFactory(code="depot", name="Depot")
    client.force_login(StaffFactory(role=WAREHOUSE, stores=[store_a, depot]))

    # when
    response = client.get("/admin/inventory/stocklevel/")

    # then
    [location_filter] = [
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "field_path", None) == "location"
    ]
    assert [label for _pk, label in location_filter.lookup_choices] == ["Depot", "Store A"]
