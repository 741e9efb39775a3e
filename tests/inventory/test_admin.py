import pytest

from config.roles import CASHIER, OWNER, WAREHOUSE
from inventory.models import StockLevel, StockMovement, StockTransfer
from inventory.services import StockLine, stock_offline_sale_record
from tests.factories import StaffFactory, VariantFactory, stocked
from tests.inventory.checks import row_counts


@pytest.fixture
def warehouse_client(client, shop):
    # Warehouse staff act for the locations they work at (here all three of the shop).
    client.force_login(
        StaffFactory(role=WAREHOUSE, stores=[shop.warehouse, shop.hang_giay, shop.saigon])
    )
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_stock_list_query_count_stays_flat(shop, client, rows, django_assert_max_num_queries):
    # given
    client.force_login(StaffFactory(role=OWNER))
    for _ in range(rows):
        stocked(VariantFactory(), shop.hang_giay, 3)

    # when / then
    with django_assert_max_num_queries(12):
        response = client.get("/admin/inventory/stocklevel/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_stock_list_filters_low_and_negative(shop, warehouse_client):
    # given
    stocked(shop.variant, shop.hang_giay, 50)
    low = stocked(VariantFactory(sku="LOW"), shop.hang_giay, 2)
    negative = stocked(VariantFactory(sku="NEG"), shop.hang_giay, 1)
    stock_offline_sale_record(
        location=shop.hang_giay, lines=[StockLine(sku="NEG", quantity=3)], reference="x"
    )

    # when
    low_page = warehouse_client.get("/admin/inventory/stocklevel/", {"stock": "low"})
    negative_page = warehouse_client.get("/admin/inventory/stocklevel/", {"stock": "negative"})

    # then
    assert list(low_page.context["cl"].result_list) == [low, negative] or set(
        low_page.context["cl"].result_list
    ) == {low, negative}
    assert list(negative_page.context["cl"].result_list) == [negative]


def test_receive_form_calls_the_service(shop, warehouse_client):
    # when: the goods receipt page (tests/inventory/test_goods_receipt_page.py), one line
    response = warehouse_client.post(
        "/admin/inventory/stocklevel/receive/",
        {
            "location": shop.warehouse.pk,
            "supplier_reference": "po:1",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-code": "MAC-KHEN-100",
            "lines-0-quantity": "12",
            "lines-0-unit_cost_amount": "60000",
        },
    )

    # then
    assert response.status_code == 302
    movement = StockMovement.objects.get()
    assert (movement.kind, movement.quantity, movement.reason) == ("receipt", 12, "po:1")
    assert movement.actor.groups.get().name == WAREHOUSE
    assert StockLevel.objects.get().on_hand == 12


def test_adjust_form_shows_the_domain_error_and_writes_nothing(shop, warehouse_client):
    # given
    stocked(shop.variant, shop.warehouse, 2)
    before = row_counts()

    # when
    response = warehouse_client.post(
        "/admin/inventory/stocklevel/adjust/",
        {"location": shop.warehouse.pk, "sku": "MAC-KHEN-100", "quantity": -5, "reason": "Vỡ"},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert row_counts() == before


def test_transfer_form_dispatches_and_the_count_form_books_a_correction(shop, warehouse_client):
    stocked(shop.variant, shop.warehouse, 10)

    transfer = warehouse_client.post(
        "/admin/inventory/stocklevel/transfer/",
        {
            "source": shop.warehouse.pk,
            "destination": shop.hang_giay.pk,
            "sku": "MAC-KHEN-100",
            "quantity": 4,
            "note": "",
        },
    )
    count = warehouse_client.post(
        "/admin/inventory/stocklevel/count/",
        {"location": shop.warehouse.pk, "sku": "MAC-KHEN-100", "quantity": 5, "reference": ""},
    )

    assert transfer.status_code == 302
    assert StockTransfer.objects.get().status == "in_transit"
    assert count.status_code == 302
    assert StockMovement.objects.filter(kind="count").get().quantity == -1


def test_cashier_cannot_use_the_stock_forms(shop, client):
    client.force_login(StaffFactory(role=CASHIER))

    response = client.post(
        "/admin/inventory/stocklevel/receive/",
        {"location": shop.warehouse.pk, "sku": "MAC-KHEN-100", "quantity": 1},
    )

    assert response.status_code == 403
    assert not StockMovement.objects.exists()


def test_ledger_is_read_only_in_the_admin(shop, client):
    client.force_login(StaffFactory(role=OWNER, is_superuser=True))
    stocked(shop.variant, shop.warehouse, 1)
    movement = StockMovement.objects.get()

    assert client.get("/admin/inventory/stockmovement/").status_code == 200
    assert client.get("/admin/inventory/stockmovement/add/").status_code == 403
    page = client.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    assert page.status_code == 200
    assert b'name="quantity"' not in page.content


def test_admin_pages_render_for_the_owner(shop, client):
    # given
    client.force_login(StaffFactory(role=OWNER, is_superuser=True))
    stocked(shop.variant, shop.hang_giay, 4)
    product = shop.variant.product

    # when / then
    page = client.get(f"/admin/inventory/product/{product.pk}/change/")
    assert page.status_code == 200
    assert "MAC-KHEN-100 @ Hàng Giấy: 4 / 0" in page.content.decode()
    for url in [
        "/admin/inventory/stocklevel/receive/",
        "/admin/inventory/stocklevel/adjust/",
        "/admin/inventory/stocklevel/transfer/",
        "/admin/inventory/stocklevel/count/",
        "/admin/inventory/variant/import/",
        "/admin/inventory/variant/export/",
        "/admin/inventory/stocklevel/import/",
        "/admin/inventory/reservation/",
        "/admin/inventory/stockdiscrepancy/",
        "/admin/inventory/stocktransfer/",
        "/admin/inventory/category/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_actions_receive_transfers_and_resolve_discrepancies(shop, client):
    # given
    from inventory.models import StockDiscrepancy
    from inventory.services import stock_transfer_dispatch

    client.force_login(StaffFactory(role=OWNER, is_superuser=True))
    stocked(shop.variant, shop.warehouse, 5)
    transfer = stock_transfer_dispatch(
        source=shop.warehouse,
        destination=shop.hang_giay,
        lines=[StockLine(sku="MAC-KHEN-100", quantity=5)],
    )
    stock_offline_sale_record(
        location=shop.saigon, lines=[StockLine(sku="MAC-KHEN-100", quantity=1)], reference="x"
    )

    # when
    client.post(
        "/admin/inventory/stocktransfer/",
        {"action": "receive_in_transit", "_selected_action": [transfer.pk]},
    )
    client.post(
        "/admin/inventory/stockdiscrepancy/",
        {"action": "resolve", "_selected_action": [StockDiscrepancy.objects.get().pk]},
    )

    # then
    transfer.refresh_from_db()
    assert transfer.status == "received"
    assert StockDiscrepancy.objects.get().resolved_at is not None
    assert shop.variant.stock_levels.get(location=shop.hang_giay).on_hand == 5
