"""Sales by channel per month: whole months come from the month rows, the partial months'
days from the day rows, and the figures are the days' added up, this period's and the
previous one's, whichever day the period starts and ends on; the rows read grow with the
months, not the days, and the page stays at 14 queries."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.roles import OWNER
from orders.models import DailyChannelSales, MonthlyChannelSales
from reports import selectors
from reports.selectors.sales import Figures, _channel_rows, _month_plan
from tests.factories import LocationFactory, StaffFactory, channel_selling_from

pytestmark = pytest.mark.django_db
FIRST, LAST = date(2024, 11, 1), date(2028, 3, 31)


@pytest.fixture
def history():
    """Every day from November 2024 to March 2028 in two channels (one of them in two stores),
    figures that differ day by day, and the month rows that are their sums."""
    hang_giay, quan_1 = LocationFactory(name="Hàng Giấy"), LocationFactory(name="Quận 1")
    pos = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    web = channel_selling_from(hang_giay, kind="web", code="web", name="Web")
    keys = [(pos, hang_giay), (pos, quan_1), (web, None)]
    days, months = [], defaultdict(lambda: defaultdict(int))
    on = FIRST
    while on <= LAST:
        for index, (channel, location) in enumerate(keys):
            n = on.toordinal() + index
            figures = {
                "order_count": n % 5 + 1,
                "units": n % 7 + 2,
                "revenue_amount": Decimal(1000 * (n % 97)),
                "returned_amount": Decimal(100 * (n % 3)),
                "new_customer_count": n % 2,
                "returning_order_count": n % 3,
            }
            store_key = location.pk if location else 0
            key = {"channel": channel, "location": location, "store_key": store_key}
            days.append(DailyChannelSales(on=on, **key, **figures))
            month = months[(on.replace(day=1), channel, location)]
            for name, value in figures.items():
                month[name] += value
        on += timedelta(days=1)
    DailyChannelSales.objects.bulk_create(days, batch_size=2000)
    MonthlyChannelSales.objects.bulk_create(
        MonthlyChannelSales(month=month, channel=channel, location=location,
                            store_key=getattr(location, "pk", 0), **figures)
        for (month, channel, location), figures in months.items()
    )  # fmt: skip
    return pos, web, hang_giay


def _per_month(sales):
    """The day-grain buckets added up per month."""
    months: dict[date, tuple[Figures, Figures]] = {}
    for bucket in sales.buckets:
        current, previous = months.setdefault(bucket.start.replace(day=1), (Figures(), Figures()))
        current.add(vars(bucket.current))
        previous.add(vars(bucket.previous))
    return months


@pytest.mark.parametrize(
    ("start", "end", "filters"),
    [
        ("2026-01-15", "2026-04-10", "all"),  # partial months at both edges
        ("2026-01-15", "2026-04-10", "channel"),
        ("2025-12-01", "2026-11-30", "all"),  # twelve whole months beside the twelve before
        ("2025-12-01", "2026-11-30", "store"),
        ("2025-12-10", "2026-12-09", "all"),  # a year from mid-month
        ("2027-03-10", "2028-03-09", "all"),  # across 29 February: months straddle two
        ("2027-03-10", "2028-03-09", "store"),
        ("2026-01-31", "2026-03-02", "all"),  # one whole month, a day either side
        ("2026-11-24", "2026-11-30", "all"),  # seven days
    ],
)
def test_per_month_the_figures_are_the_days_added_up(history, start, end, filters):
    # given
    pos, _web, hang_giay = history
    scope = {"start": date.fromisoformat(start), "end": date.fromisoformat(end)}
    scope |= {"all": {}, "channel": {"channel": pos}, "store": {"location_ids": {hang_giay.pk}}}[
        filters
    ]

    # when
    by_month = selectors.sales_by_channel(scope=selectors.Scope(grain="month", **scope))
    by_day = selectors.sales_by_channel(scope=selectors.Scope(grain="day", **scope))

    # then: the same totals, channels and buckets, this period's and the previous one's
    assert by_month.total == by_day.total
    assert by_month.channels == by_day.channels
    assert {b.start: (b.current, b.previous) for b in by_month.buckets} == _per_month(by_day)
    assert by_month.total.current.order_count > 0
    assert by_month.total.previous.order_count > 0


@pytest.mark.parametrize(
    ("days", "rows_per_channel"),
    [
        (7, 7 + 7),  # days only
        (30, 1 + 30),  # November's month row; 2 to 31 October's days
        (365, 12 + 12),  # month rows only
        # 30 Nov 2025's day, 12 month rows; before: 29-30 Nov 2024's and 1-29 Nov 2025's
        # days, 11 month rows and the one day of each that mirrors into the next bucket
        (366, 1 + 12 + 2 + 11 + 29 + 11),
    ],
)
def test_per_month_the_rows_read_grow_with_the_months_not_the_days(history, days, rows_per_channel):
    # given: a period ending 30 November 2026 (the 366 days start mid-month)
    end = date(2026, 11, 30)
    scope = selectors.Scope(start=end - timedelta(days=days - 1), end=end, grain="month")

    # when
    with CaptureQueriesContext(connection) as queries:
        sales = selectors.sales_by_channel(scope=scope)
    rows = _channel_rows(scope, _month_plan(scope))

    # then: one query; from a whole month on it reads the month table, and a year reads
    # a few dozen rows per channel (the stores added up) instead of 730
    assert len(queries) == 1
    assert ("monthlychannelsales" in queries[0]["sql"].lower()) is (days >= 30)
    assert len(rows) == 2 * rows_per_channel
    assert sales.total.current.order_count == sum(
        DailyChannelSales.objects.filter(on__range=(scope.start, end)).values_list(
            "order_count", flat=True
        )
    )


def test_across_29_february_a_previous_month_reads_only_its_straddling_day(history):
    # given: 10 March 2027 to 9 March 2028 (366 days); the previous period's April 2026
    # mirrors onto 2 April to 1 May 2027
    scope = selectors.Scope(start=date(2027, 3, 10), end=date(2028, 3, 9), grain="month")
    april = date(2026, 4, 1)

    # when
    plan = _month_plan(scope)
    rows = [row for row in _channel_rows(scope, plan) if row["on"].replace(day=1) == april]

    # then: April's month rows count in April 2027's bucket, 30 April 2026's day rows move
    # to May 2027's
    assert plan[april] == (date(2027, 4, 1), [(date(2026, 4, 30), date(2026, 4, 30))])
    assert sorted({(row["on"], row["month_row"]) for row in rows}) == [
        (april, 1),
        (date(2026, 4, 30), 0),
    ]


@pytest.mark.parametrize("days", [7, 30, 365])
def test_the_page_per_month_stays_at_14_queries(
    client, history, days, django_assert_max_num_queries
):
    # given
    client.force_login(StaffFactory(role=OWNER))
    end = date(2026, 11, 30)
    params = {"start": end - timedelta(days=days - 1), "end": end, "grain": "month"}

    # when
    with django_assert_max_num_queries(14) as queries:
        response = client.get("/admin/reports/", params)

    # then: the months' figures, read from the month table from a whole month on
    assert response.status_code == 200
    sales = response.context["sales"]
    assert [bucket.label for bucket in sales.buckets] == (["11/2026"] if days < 365 else [
        f"{month:02}/{year}" for year, month in [(2025, 12), *((2026, m) for m in range(1, 12))]
    ])  # fmt: skip
    assert sales.total.current.order_count == sum(
        DailyChannelSales.objects.filter(on__range=(params["start"], end)).values_list(
            "order_count", flat=True
        )
    )
    # (sales by channel: the one read that sums the returning orders)
    (sales_read,) = [q["sql"] for q in queries.captured_queries if "returning_order" in q["sql"]]
    assert ("monthlychannelsales" in sales_read) is (days >= 30)
