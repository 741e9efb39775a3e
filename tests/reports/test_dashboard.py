"""The staff dashboard: figures from the rollups, scoped to the viewer's stores, filters
that answer bad ranges with form errors, CSV exports safe for spreadsheets, and a query
count that does not grow with the period."""

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from config.roles import CASHIER, MARKETER, OWNER, STORE_MANAGER, WAREHOUSE
from orders.models import DailyChannelSales, DailySales, MonthlyChannelSales, MonthlySales
from orders.services import pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from orders.services.rollups import shop_day
from tests.factories import (
    LocationFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db
URL = "/admin/reports/"


@pytest.fixture
def two_stores():
    hang_giay = LocationFactory(name="Showroom Hàng Giấy")
    quan_1 = LocationFactory(name="Cửa hàng Quận 1")
    pos_hg = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    pos_q1 = channel_selling_from(quan_1, kind="pos", code="pos-q1", name="POS Quận 1")
    buffalo = VariantFactory(
        sku="TT-1KG", price_amount=Decimal(900000), product=ProductFactory(name="Thịt trâu")
    )
    stocked(buffalo, hang_giay, 10)
    stocked(buffalo, quan_1, 10)
    return hang_giay, quan_1, pos_hg, pos_q1, buffalo


def sell(location, variant, quantity):
    terminal, _token = terminal_with_token(location=location)
    order, _ = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        lines=[LineInput(sku=variant.sku, quantity=quantity)],
        tenders=[TenderInput(method="cash", amount=variant.price_amount * quantity)],
    )
    return order


def test_the_owner_sees_each_stores_sales_and_their_average(client, two_stores):
    # given: 2 units sold at Hàng Giấy and 1 at Quận 1 today
    hang_giay, quan_1, _pos_hg, _pos_q1, buffalo = two_stores
    sell(hang_giay, buffalo, 2)
    order = sell(quan_1, buffalo, 1)
    client.force_login(StaffFactory(role=OWNER))

    # when
    response = client.get(URL, {"end": shop_day(order.placed_at), "grain": "day"})

    # then
    assert response.status_code == 200
    sales = response.context["sales"]
    assert [(c.name, c.current.order_count, c.current.units, c.current.revenue_amount)
            for c in sales.channels] == [
        ("POS Hàng Giấy", 1, 2, Decimal(1800000)),
        ("POS Quận 1", 1, 1, Decimal(900000)),
    ]  # fmt: skip
    assert sales.total.current.average_amount == Decimal(1350000)
    assert sales.buckets[-1].current.revenue_amount == Decimal(2700000)
    assert "2.700.000\u00a0₫" in response.content.decode()


def test_a_store_manager_sees_only_their_stores_figures_and_choices(client, two_stores):
    # given
    hang_giay, quan_1, _pos_hg, _pos_q1, buffalo = two_stores
    sell(hang_giay, buffalo, 2)
    sell(quan_1, buffalo, 1)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[quan_1]))

    # when
    response = client.get(URL)
    other_store = client.get(URL, {"store": hang_giay.pk})

    # then
    assert [c.name for c in response.context["sales"].channels] == ["POS Quận 1"]
    assert response.context["sales"].total.current.units == 1
    assert list(response.context["form"].fields["store"].queryset) == [quan_1]
    assert other_store.status_code == 400
    assert "store" in other_store.context["form"].errors


@pytest.mark.parametrize(
    ("role", "status"),
    [(OWNER, 200), (STORE_MANAGER, 200), (MARKETER, 200), (CASHIER, 403), (WAREHOUSE, 403)],
)
def test_who_opens_the_dashboard(client, two_stores, role, status):
    client.force_login(StaffFactory(role=role, stores=[two_stores[0]]))

    assert client.get(URL).status_code == status
    assert client.get(URL, {"export": "channels"}).status_code == status


def test_a_visitor_is_sent_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"start": "2020-01-01", "end": "2026-11-01"},
        {"start": "không phải ngày"},
        {"grain": "century"},
        {"channel": "999999"},
        {"start": "0001-01-01", "end": "0001-01-02"},
    ],
)
def test_impossible_filters_are_form_errors_not_500s(client, params):
    client.force_login(StaffFactory(role=OWNER))

    response = client.get(URL, params)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert "sales" not in response.context


def test_a_csv_cell_that_would_start_a_formula_is_escaped(client, two_stores):
    # given: a product whose name a spreadsheet would run as a formula
    hang_giay, _quan_1, _pos_hg, _pos_q1, _buffalo = two_stores
    evil = VariantFactory(sku="EVIL-1", price_amount=Decimal(1000), name="",
                          product=ProductFactory(name="=HYPERLINK(\"http://x\")"))  # fmt: skip
    stocked(evil, hang_giay, 5)
    sell(hang_giay, evil, 1)
    client.force_login(StaffFactory(role=OWNER))

    # when
    response = client.get(URL, {"export": "products"})

    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert ["POS Hàng Giấy", "EVIL-1", '\'=HYPERLINK("http://x")', "1", "1000", "0"] in rows


def _rollup_rows(channel, location, variant, days):
    """``days`` days of rollup rows up to 30 November 2026, and their months' rows (the
    sums of their days, as the upserts keep them)."""
    today = date(2026, 11, 30)
    common = {"channel": channel, "location": location, "store_key": location.pk}
    per_month: dict[date, int] = {}
    for n in range(days):
        month = (today - timedelta(days=n)).replace(day=1)
        per_month[month] = per_month.get(month, 0) + 1
    DailyChannelSales.objects.bulk_create(
        DailyChannelSales(on=today - timedelta(days=n), order_count=2, units=3,
                          revenue_amount=Decimal(300000), **common)
        for n in range(days)
    )  # fmt: skip
    DailySales.objects.bulk_create(
        DailySales(on=today - timedelta(days=n), variant=variant, order_count=2, units=3,
                   revenue_amount=Decimal(300000), **common)
        for n in range(days)
    )  # fmt: skip
    MonthlyChannelSales.objects.bulk_create(
        MonthlyChannelSales(month=month, order_count=2 * count, units=3 * count,
                            revenue_amount=Decimal(300000) * count, **common)
        for month, count in per_month.items()
    )  # fmt: skip
    MonthlySales.objects.bulk_create(
        MonthlySales(month=month, variant=variant, order_count=2 * count, units=3 * count,
                     revenue_amount=Decimal(300000) * count, **common)
        for month, count in per_month.items()
    )  # fmt: skip


@pytest.mark.parametrize(("grain", "days"), [("day", 1), ("week", 90), ("month", 366)])
def test_the_dashboard_answers_in_15_queries_whatever_the_period(
    client, two_stores, grain, days, django_assert_max_num_queries
):
    # given: two years of rollup rows for a store manager's store
    hang_giay, _quan_1, pos_hg, _pos_q1, buffalo = two_stores
    _rollup_rows(pos_hg, hang_giay, buffalo, 800)
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[hang_giay]))
    end = date(2026, 11, 30)
    params = {"start": end - timedelta(days=days - 1), "end": end, "grain": grain}

    # when
    with django_assert_max_num_queries(15):
        response = client.get(URL, params)

    # then
    assert response.status_code == 200
    assert response.context["sales"].total.current.order_count == 2 * days
    assert response.context["sales"].total.previous.order_count == 2 * days


@pytest.mark.parametrize(("role", "linked"), [(OWNER, True), (MARKETER, True), (CASHIER, False)])
def test_the_admin_home_links_to_the_dashboard_for_who_may_open_it(client, role, linked):
    client.force_login(StaffFactory(role=role, stores=[LocationFactory()]))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert (f'href="{URL}"' in response.content.decode()) is linked
