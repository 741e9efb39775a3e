import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from inventory.models import (
    Location,
    Product,
    SalesChannel,
    StaffMembership,
    StockMovement,
    Variant,
    gtin_checksum_is_valid,
)
from inventory.selectors import stock_drift_list
from orders.models import Order, Shift, Terminal
from orders.services import shift_close, shift_expected_amount


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_sale_post(client, output: str):
    """POST the sale of the printed ``curl``, with its token and body."""
    curl = re.search(
        r"curl -X POST -H 'Authorization: Bearer (\S+)' .* -d '(.+)' \S+$", output, re.M
    )
    token, body = curl.group(1), curl.group(2)
    return client.post(
        "/api/v1/pos/sales/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_working_credentials(client):
    # when: seeded twice, as `make run` does on every start
    seed()
    output = seed()

    # then: nothing is duplicated
    assert Location.objects.count() == 3
    assert set(SalesChannel.objects.values_list("kind", flat=True)) == {"web", "marketplace", "pos"}
    assert SalesChannel.objects.filter(kind="pos").count() == 2
    assert Terminal.objects.count() == 2  # one per store
    assert get_user_model().objects.filter(is_staff=True).count() == 5
    # the scoped demo staff work somewhere (else their admin would be empty)
    assert sorted(StaffMembership.objects.values_list("user__username", "location__code")) == [
        ("cashier", "hcm-quan-1"),
        ("cashier", "hn-hang-giay"),
        ("manager", "hn-hang-giay"),
        ("warehouse", "kho-long-bien"),
    ]

    # and the printed login and token work
    login = re.search(r"^\s+manager\s+(\S+)\s+store_manager$", output, re.M)
    assert client.login(username="manager", password=login.group(1))
    token = re.search(r"token \(new on every seed\): (\S+)", output).group(1)
    response = client.get("/api/v1/pos/terminal/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["location"]["code"] == "hn-hang-giay"


@pytest.mark.django_db
def test_the_printed_sale_curl_records_a_sale_once(client):
    output = seed()

    first = printed_sale_post(client, output)
    again = printed_sale_post(client, output)

    assert (first.status_code, again.status_code) == (201, 200), first.json()
    assert first.json()["customer"] is not None
    assert first.json()["number"] == again.json()["number"]


@pytest.mark.django_db
def test_seed_demo_fills_the_catalog_and_stock_through_the_services(tmp_path):
    # when
    seed()
    movements = StockMovement.objects.count()
    seed()

    # then: about 50 products, valid barcodes, an image each, stock received once
    assert Product.objects.count() >= 50
    assert Variant.objects.count() > Product.objects.count()
    assert all(
        gtin_checksum_is_valid(code) for code in Variant.objects.values_list("barcode", flat=True)
    )
    assert all(product.images.count() == 1 for product in Product.objects.all())
    assert StockMovement.objects.count() == movements > 0
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {"receipt"}
    assert list(stock_drift_list()) == []


@pytest.mark.django_db
def test_the_printed_sale_lands_in_the_demo_terminals_open_shift_not_late_sync(client):
    # given: seeded twice, as `make run` does on every start
    seed()
    output = seed()

    # when
    response = printed_sale_post(client, output)

    # then: each terminal has exactly one shift, open, held by the demo cashier
    assert response.status_code == 201, response.json()
    shifts = Shift.objects.select_related("terminal__location", "cashier")
    assert sorted((s.terminal.location.code, s.cashier.username, s.closed_at) for s in shifts) == [
        ("hcm-quan-1", "cashier", None),
        ("hn-hang-giay", "cashier", None),
    ]
    # and the sale is an ordinary one, counted in the Hàng Giấy shift
    order = Order.objects.get(number=response.json()["number"])
    assert order.late_sync is False
    assert order.shift == shifts.get(terminal__location__code="hn-hang-giay")


@pytest.mark.django_db
def test_seed_demo_opens_a_new_shift_when_staff_closed_the_demo_one():
    # given: the Hàng Giấy shift was closed by staff
    seed()
    shift = Shift.objects.get(terminal__location__code="hn-hang-giay")
    shift_close(shift=shift, counted_amount=shift_expected_amount(shift=shift))

    # when
    seed()

    # then: the closed shift stays closed and one new shift is open
    shifts = list(Shift.objects.filter(terminal__location__code="hn-hang-giay").order_by("pk"))
    assert [(s.pk == shift.pk, s.closed_at is None) for s in shifts] == [
        (True, False),
        (False, True),
    ]
