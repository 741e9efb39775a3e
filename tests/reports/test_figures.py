"""The dashboard's figures beyond sales: long periods read whole months from the month
rows, customers (new, returning, repeat, two channels), the recovery funnel and attributed
revenue, the review rate, best categories; every table exports as CSV; and the page stays
within 15 queries for 7, 30 and 365 days."""

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from campaigns.models import Attribution, Flow, FlowEnrolment, MessageActivity, MessageLink
from config.roles import MARKETER, OWNER, STORE_MANAGER
from customers.models import Review
from customers.services import event_record
from inventory.models import SalesChannel
from orders.models import (
    DailyChannelSales,
    DailySales,
    MonthlyChannelSales,
    MonthlySales,
)
from orders.services import pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from reports import selectors
from reports.exports import TABLES
from reports.selectors import month_split
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    LocationFactory,
    MessageFactory,
    ProductFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    order_minimal,
    stocked,
    terminal_with_token,
)

URL = "/admin/reports/"


@pytest.mark.parametrize(
    ("start", "end", "days", "months"),
    [
        ("2026-01-15", "2026-04-10", [("2026-01-15", "2026-01-31"), ("2026-04-01", "2026-04-10")],
         ("2026-02-01", "2026-03-01")),
        ("2025-12-01", "2026-11-30", [], ("2025-12-01", "2026-11-01")),
        ("2026-01-05", "2026-01-20", [("2026-01-05", "2026-01-20")], None),
        ("2026-01-31", "2026-02-01", [("2026-01-31", "2026-02-01")], None),
        ("2026-02-01", "2026-02-28", [], ("2026-02-01", "2026-02-01")),
    ],
)  # fmt: skip
def test_a_period_splits_into_edge_days_and_whole_months(start, end, days, months):
    d = date.fromisoformat

    got_days, got_months = month_split(d(start), d(end))

    assert got_days == [(d(a), d(b)) for a, b in days]
    assert got_months == (None if months is None else (d(months[0]), d(months[1])))


@pytest.fixture
def store():
    hang_giay = LocationFactory(name="Showroom Hàng Giấy")
    pos = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    spices = CategoryFactory(name="Gia vị")
    pepper = VariantFactory(sku="MK-100G", price_amount=Decimal(85000), name="",
                            product=ProductFactory(name="Mắc khén", category=spices))  # fmt: skip
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000), name="",
                             product=ProductFactory(name="Thịt trâu", category=None))  # fmt: skip
    stocked(pepper, hang_giay, 1000)
    stocked(buffalo, hang_giay, 1000)
    return hang_giay, pos, pepper, buffalo


def sell(location, lines, customer=None):
    terminal, _token = terminal_with_token(location=location, name=f"Quầy {uuid.uuid4().hex[:6]}")
    order, _ = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        customer=customer,
        lines=[LineInput(sku=v.sku, quantity=q) for v, q in lines],
        tenders=[TenderInput(method="cash", amount=sum(v.price_amount * q for v, q in lines))],
    )
    return order


@pytest.mark.django_db
def test_a_long_period_reads_its_whole_months_from_the_month_rows(store):
    # given: sales on 20 January, 10 February, 15 March and 5 April (noon in Hà Nội)
    hang_giay, _pos, pepper, buffalo = store
    for day, lines in (
        (date(2026, 1, 20), [(pepper, 2)]),
        (date(2026, 2, 10), [(pepper, 1), (buffalo, 1)]),
        (date(2026, 3, 15), [(buffalo, 2)]),
        (date(2026, 4, 5), [(pepper, 3)]),
    ):
        with time_machine.travel(datetime(day.year, day.month, day.day, 5, tzinfo=UTC)):
            sell(hang_giay, lines)
    scope = selectors.Scope(start=date(2026, 1, 15), end=date(2026, 4, 10))
    before = selectors.best_sellers(scope=scope)
    # when: the day rows of the whole months (February, March) are gone
    DailySales.objects.filter(on__month__in=[2, 3]).delete()
    after = selectors.best_sellers(scope=scope)

    # then: the answer is the same, so it came from the month rows
    assert after == before
    assert [(p.sku, p.units, p.revenue_amount) for p in after.products] == [
        ("TT-1KG", 3, Decimal(2700000)),
        ("MK-100G", 6, Decimal(510000)),
    ]
    assert [(c.name, c.units, c.revenue_amount) for c in after.categories] == [
        ("", 3, Decimal(2700000)),
        ("Gia vị", 6, Decimal(510000)),
    ]
    assert MonthlySales.objects.filter(month=date(2026, 2, 1)).count() == 2


@pytest.mark.django_db
def test_customers_new_returning_repeat_and_two_channels(client, store):
    # given: Mai buys on the web and then at the till; Lan buys once at the till;
    # an anonymous sale counts in no customer figure
    hang_giay, _pos, pepper, _buffalo = store
    web = channel_selling_from(hang_giay, kind="web", code="web", name="Web")
    mai, lan = CustomerFactory(), CustomerFactory()
    from orders.services.rollups import rollup_order_placed

    web_order = order_minimal(channel=web, customer=mai)
    rollup_order_placed(order=web_order, lines=[])
    sell(hang_giay, [(pepper, 1)], customer=mai)
    sell(hang_giay, [(pepper, 1)], customer=lan)
    sell(hang_giay, [(pepper, 1)])
    client.force_login(StaffFactory(role=OWNER))

    # when
    response = client.get(URL)

    # then
    summary = response.context["customers"]
    assert (summary.new_count, summary.returning_count) == (2, 1)
    assert (summary.now.customer_count, summary.now.repeat_count,
            summary.now.multichannel_count) == (2, 1, 1)  # fmt: skip
    assert summary.now.repeat_percent == Decimal("50.0")
    assert summary.now.multichannel_percent == Decimal("50.0")
    assert summary.before.customer_count == 0
    assert response.context["sales"].total.current.order_count == 4


def _recovery(customer, order, total):
    flow, _ = Flow.objects.get_or_create(code="cart_abandoned", defaults={"purpose": "marketing"})
    FlowEnrolment.objects.create(
        flow=flow, customer=customer,
        trigger_event=event_record(customer=customer, kind="cart_updated"),
    )  # fmt: skip
    message = MessageFactory(customer=customer, flow="cart_abandoned", state="sent",
                             sent_at=timezone.now())  # fmt: skip
    link = MessageLink.objects.create(message=message, position=0, url="https://tiem.example/")
    click = MessageActivity.objects.create(
        message=message, kind="clicked", link=link, occurred_at=timezone.now()
    )
    Attribution.objects.create(
        order=order, message=message, click=click, channel="email",
        clicked_at=click.occurred_at, placed_at=order.placed_at, total_amount=total,
        currency="VND", order_channel="web",
    )  # fmt: skip


@pytest.mark.django_db
def test_the_recovery_funnel_attributed_revenue_and_review_rate(client, store):
    # given: one abandoned cart recovered by an email, one more enrolled and not, a review
    hang_giay, _pos, pepper, _buffalo = store
    mai = CustomerFactory()
    order = sell(hang_giay, [(pepper, 2)], customer=mai)
    _recovery(mai, order, Decimal(170000))
    FlowEnrolment.objects.create(
        flow=Flow.objects.get(code="cart_abandoned"), customer=CustomerFactory(),
        trigger_event=event_record(customer=mai, kind="cart_updated"),
    )  # fmt: skip
    Review.objects.create(customer=mai, product=pepper.product, rating=5)
    client.force_login(StaffFactory(role=MARKETER))

    # when
    response = client.get(URL)

    # then
    funnel = {row.flow: row for row in response.context["funnel"]}
    cart = funnel["cart_abandoned"]
    assert (cart.entered, cart.sent, cart.clicked, cart.order_count, cart.revenue_amount) == (
        2, 1, 1, 1, Decimal(170000),
    )  # fmt: skip
    assert cart.recovered_percent == Decimal("50.0")
    assert funnel["checkout_abandoned"].entered == 0
    assert [(a.flow, a.order_count) for a in response.context["attribution"]] == [
        ("cart_abandoned", 1)
    ]
    reviews = response.context["reviews"]
    assert (reviews.review_count, reviews.order_count, reviews.percent) == (1, 1, Decimal(100))


@pytest.mark.django_db
def test_a_store_manager_sees_no_web_funnel_nor_review_rate(client, store):
    hang_giay, *_ = store
    client.force_login(StaffFactory(role=STORE_MANAGER, stores=[hang_giay]))

    response = client.get(URL)

    assert response.context["funnel"] == []
    assert response.context["reviews"] is None


@pytest.mark.django_db
def test_a_new_channel_appears_with_its_first_order(client, store):
    # given: a channel no code lists (a phone line) sells once
    hang_giay, _pos, pepper, _buffalo = store
    hotline = channel_selling_from(hang_giay, kind=SalesChannel.Kind.WEB, code="hotline",
                                   name="Đường dây nóng")  # fmt: skip
    from orders.services.rollups import rollup_order_placed

    rollup_order_placed(order=order_minimal(channel=hotline), lines=[])
    sell(hang_giay, [(pepper, 1)])
    client.force_login(StaffFactory(role=OWNER))

    # when
    response = client.get(URL)

    # then
    assert {row.name for row in response.context["sales"].channels} == {
        "Đường dây nóng", "POS Hàng Giấy",
    }  # fmt: skip
    assert "Đường dây nóng" in response.context["charts"]["channels"]["labels"]


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_exports_as_csv(client, store, table):
    hang_giay, _pos, pepper, _buffalo = store
    sell(hang_giay, [(pepper, 1)])
    client.force_login(StaffFactory(role=OWNER))

    response = client.get(URL, {"export": table})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and all(rows[0])


def _history(channel, location, variant, end, days):
    """``days`` days of rollup rows up to ``end``, and their months."""
    day_rows, month_rows = [], {}
    for n in range(days):
        on = end - timedelta(days=n)
        common = {"channel": channel, "location": location, "store_key": location.pk,
                  "order_count": 2, "units": 3, "revenue_amount": Decimal(300000)}  # fmt: skip
        day_rows.append(on)
        month = on.replace(day=1)
        month_rows[month] = month_rows.get(month, 0) + 1
        DailyChannelSales.objects.create(on=on, new_customer_count=1, **common)
        DailySales.objects.create(on=on, variant=variant, **common)
    for month, count in month_rows.items():
        common = {"channel": channel, "location": location, "store_key": location.pk,
                  "order_count": 2 * count, "units": 3 * count,
                  "revenue_amount": Decimal(300000) * count}  # fmt: skip
        MonthlyChannelSales.objects.create(month=month, new_customer_count=count, **common)
        MonthlySales.objects.create(month=month, variant=variant, **common)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "days", "grain"), [
    (OWNER, 7, "day"), (OWNER, 30, "week"), (OWNER, 365, "month"), (OWNER, 365, "day"),
    (STORE_MANAGER, 7, "day"), (STORE_MANAGER, 30, "day"), (STORE_MANAGER, 365, "month"),
    (MARKETER, 365, "week"),
])  # fmt: skip
def test_the_whole_page_answers_in_15_queries_whatever_the_period(
    client, store, role, days, grain, django_assert_max_num_queries
):
    # given: two years of rollups, a recovered cart (long before) and a review
    hang_giay, pos, pepper, _buffalo = store
    end = date(2026, 11, 30)
    _history(pos, hang_giay, pepper, end, 800)
    mai = CustomerFactory()
    with time_machine.travel(datetime(2024, 1, 2, 5, tzinfo=UTC)):
        _recovery(mai, sell(hang_giay, [(pepper, 1)], customer=mai), Decimal(85000))
    Review.objects.create(customer=mai, product=pepper.product, rating=4)
    client.force_login(StaffFactory(role=role, stores=[hang_giay]))
    params = {"start": end - timedelta(days=days - 1), "end": end, "grain": grain}

    # when
    with django_assert_max_num_queries(15):
        response = client.get(URL, params)

    # then: every figure is there, the months' and the days' the same
    assert response.status_code == 200
    sales = response.context["sales"]
    assert sales.total.current.order_count == 2 * days
    assert sales.total.previous.order_count == 2 * days
    assert [(p.sku, p.units) for p in response.context["products"]] == [("MK-100G", 3 * days)]
    assert response.context["customers"].now.customer_count == 801
    assert response.context["customers"].before.customer_count == 801 - days
