"""The Receive page: reached from the stock list, many lines, errors on the lines."""

from decimal import Decimal

import pytest
from django.urls import reverse

from config.roles import CASHIER, STORE_MANAGER, WAREHOUSE
from inventory.models import GoodsReceipt, StockLevel, Supplier
from tests.factories import StaffFactory, VariantFactory
from tests.inventory.checks import row_counts

pytestmark = pytest.mark.django_db

RECEIVE = "/admin/inventory/stocklevel/receive/"


@pytest.fixture
def clerk_client(client, shop):
    client.force_login(StaffFactory(role=WAREHOUSE, stores=[shop.warehouse]))
    return client


def _body(location, lines, *, total=None, **fields):
    body = {
        "location": location.pk,
        "supplier": "",
        "supplier_reference": "",
        "note": "",
        "lines-TOTAL_FORMS": str(total or max(len(lines), 1)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "post_receipt": "1",
        **fields,
    }
    for index, (code, quantity, cost) in enumerate(lines):
        body |= {
            f"lines-{index}-code": code,
            f"lines-{index}-quantity": quantity,
            f"lines-{index}-unit_cost_amount": cost,
        }
    return body


@pytest.mark.parametrize(
    ("role", "shows_receive"), [(WAREHOUSE, True), (STORE_MANAGER, True), (CASHIER, False)]
)
def test_the_stock_list_shows_the_receive_button_to_who_may_receive(
    client, shop, role, shows_receive
):
    # given
    client.force_login(StaffFactory(role=role, stores=[shop.warehouse]))

    # when
    page = client.get(
        "/admin/inventory/stocklevel/", {"location__id__exact": shop.warehouse.pk}
    ).content.decode()

    # then: the button opens the page at the location the list shows
    assert (f'href="{RECEIVE}?location={shop.warehouse.pk}"' in page) is shows_receive
    assert ('href="/admin/inventory/stocklevel/adjust/"' in page) is (role != CASHIER)


def test_the_page_opens_at_the_clerks_only_location(clerk_client, shop):
    response = clerk_client.get(RECEIVE)
    assert response.status_code == 200
    assert response.context["form"]["location"].value() == shop.warehouse.pk
    assert list(response.context["form"].fields["location"].queryset) == [shop.warehouse]
    assert len(response.context["formset"].forms) == 5


def test_a_three_line_delivery_is_posted_and_the_stock_goes_up(clerk_client, shop):
    # given
    VariantFactory(sku="HAT-DOI-50", barcode="8930000000019")
    VariantFactory(sku="TIEU-RUNG-100")
    supplier = Supplier.objects.create(name="HTX Tây Bắc")

    # when: three lines filled of five, two left blank
    response = clerk_client.post(
        RECEIVE,
        _body(
            shop.warehouse,
            [
                ("mac-khen-100", "12", "62000"),
                ("8930000000019", "30", "18500"),
                ("tieu-rung-100", "6", "0"),
                ("", "", ""),
                ("", "", ""),
            ],
            supplier=supplier.pk,
            supplier_reference="PGH-0042",
        ),
    )

    # then: back on the stock list of that location, which now holds the goods
    assert response.status_code == 302
    assert response["Location"] == (
        f"/admin/inventory/stocklevel/?location__id__exact={shop.warehouse.pk}"
    )
    receipt = GoodsReceipt.objects.get()
    assert (receipt.supplier, receipt.supplier_reference, receipt.lines.count()) == (
        supplier,
        "PGH-0042",
        3,
    )
    assert receipt.total_cost_amount == Decimal(12 * 62000 + 30 * 18500)
    assert dict(StockLevel.objects.values_list("variant__sku", "on_hand")) == {
        "MAC-KHEN-100": 12,
        "HAT-DOI-50": 30,
        "TIEU-RUNG-100": 6,
    }
    listed = clerk_client.get(response["Location"])
    assert listed.context["cl"].result_count == 3
    (message,) = [str(message) for message in listed.context["messages"]]
    assert "48" in message and f"/admin/inventory/goodsreceipt/{receipt.pk}/change/" in message


def test_bad_lines_are_shown_on_their_lines_and_nothing_is_written(clerk_client, shop):
    # given
    before = row_counts()

    # when
    response = clerk_client.post(
        RECEIVE,
        _body(
            shop.warehouse,
            [
                ("MAC-KHEN-100", "2", "1000"),
                ("KHONG-CO", "2", "1000"),
                ("MAC-KHEN-100", "0", "1000"),
                ("MAC-KHEN-100", "1", "-5"),
            ],
        ),
    )

    # then: the form's checks first (quantity, cost), each on its own line
    assert response.status_code == 200
    errors = [sorted(form.errors) for form in response.context["formset"].forms]
    assert errors == [[], [], ["quantity"], ["unit_cost_amount"]]
    assert row_counts() == before
    assert not GoodsReceipt.objects.exists()

    # when: those are put right, the unknown code is the service's to name
    response = clerk_client.post(
        RECEIVE,
        _body(
            shop.warehouse,
            [
                ("MAC-KHEN-100", "2", "1000"),
                ("KHONG-CO", "2", "1000"),
                ("MAC-KHEN-100", "1", "1000"),
            ],
        ),
    )

    # then
    assert response.status_code == 200
    errors = [form.errors for form in response.context["formset"].forms]
    assert [sorted(e) for e in errors] == [[], ["code"], []]
    assert "KHONG-CO" in errors[1]["code"][0]
    assert "KHONG-CO" in response.content.decode()
    assert row_counts() == before
    assert not GoodsReceipt.objects.exists()


def test_no_line_filled_is_a_form_error(clerk_client, shop):
    response = clerk_client.post(RECEIVE, _body(shop.warehouse, [("", "", "")], total=5))
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not GoodsReceipt.objects.exists()


def test_more_lines_keeps_what_was_typed_and_posts_nothing(clerk_client, shop):
    # when: Enter without JavaScript, or the "More lines" button
    body = _body(shop.warehouse, [("MAC-KHEN-100", "2", "1000")], total=5)
    del body["post_receipt"]
    body["more_lines"] = "1"
    response = clerk_client.post(RECEIVE, body)

    # then
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 10
    assert formset.forms[0]["code"].value() == "MAC-KHEN-100"
    assert 'class="errorlist' not in response.content.decode()
    assert not GoodsReceipt.objects.exists()


def test_the_receipt_page_reads_in_names_and_money(clerk_client, shop):
    # given
    clerk_client.post(RECEIVE, _body(shop.warehouse, [("MAC-KHEN-100", "3", "62000")]))
    receipt = GoodsReceipt.objects.get()

    # when
    page = clerk_client.get(reverse("admin:inventory_goodsreceipt_change", args=[receipt.pk]))

    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "MAC-KHEN-100" in text
    assert "186.000\u00a0₫" in text


def test_a_supplier_is_added_with_a_phone_typed_any_way(clerk_client):
    # when
    response = clerk_client.post(
        "/admin/inventory/supplier/add/",
        {"name": "HTX Cà phê Cầu Đất", "phone": "0912 345 678", "tax_code": "5800123456",
         "is_active": "on"},
    )  # fmt: skip

    # then
    assert response.status_code == 302
    assert Supplier.objects.values_list("phone", "tax_code").get() == (
        "+84912345678",
        "5800123456",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("phone", "12"), ("tax_code", "58001"), ("tax_code", "5800123456-1")]
)
def test_a_supplier_with_a_wrong_phone_or_tax_code_is_refused(clerk_client, field, value):
    body = {"name": "HTX", "phone": "", "tax_code": "", "is_active": "on", field: value}
    response = clerk_client.post("/admin/inventory/supplier/add/", body)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
    assert not Supplier.objects.exists()
