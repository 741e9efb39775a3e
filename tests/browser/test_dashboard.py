"""The owner's dashboard in a real browser: Chart.js (served from our static files) draws
the same numbers the tables under the charts show, at 1280 px and 375 px, when the owner
switches channel and period."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from config.roles import OWNER
from orders.models import DailyChannelSales
from tests.browser.conftest import screenshot
from tests.factories import LocationFactory, StaffFactory, channel_selling_from

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART = """id => {
  const chart = Chart.getChart(document.getElementById(id));
  return {labels: chart.data.labels, current: chart.data.datasets[0].data,
          previous: chart.data.datasets[1].data, width: chart.width};
}"""


def _dong(text: str) -> int:
    """ "1.350.000 ₫" or "₫1,350,000" → 1350000."""
    return int(re.sub(r"\D", "", text) or 0)


def table(page, table_id: str) -> dict:
    rows = page.locator(f"#{table_id} tbody tr")
    return {
        "labels": rows.locator("th").all_inner_texts(),
        "current": [_dong(t) for t in rows.locator('td[data-value="current"]').all_inner_texts()],
        "previous": [_dong(t) for t in rows.locator('td[data-value="previous"]').all_inner_texts()],
    }


def chart(page, chart_id: str) -> dict:
    page.wait_for_function(
        "id => window.Chart && Chart.getChart(document.getElementById(id))", arg=chart_id
    )
    return page.evaluate(CHART, chart_id)


def assert_charts_match_tables(page) -> dict:
    figures = {}
    for name in ("periods", "channels"):
        drawn, shown = chart(page, f"chart-{name}"), table(page, f"table-{name}")
        assert drawn["width"] > 0
        assert drawn["labels"] == shown["labels"]
        assert drawn["current"] == shown["current"]
        assert drawn["previous"] == shown["previous"]
        figures[name] = shown
    return figures


@pytest.fixture
def shop_sales():
    """60 days of sales: the web store sells 100,000 đ a day, the till 250,000 đ on even
    days, so both periods and both channels have figures."""
    hang_giay = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(hang_giay, kind="web", code="web", name="Web")
    pos = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    today = timezone.localdate()
    for n in range(60):
        on = today - timedelta(days=n)
        DailyChannelSales.objects.create(on=on, channel=web, order_count=1, units=1,
                                         revenue_amount=Decimal(100000))  # fmt: skip
        if n % 2 == 0:
            DailyChannelSales.objects.create(
                on=on, channel=pos, location=hang_giay, store_key=hang_giay.pk, order_count=2,
                units=3, revenue_amount=Decimal(250000),
            )  # fmt: skip
    return today, web, pos


@pytest.mark.parametrize("width", [1280, 375])
def test_the_owner_switches_channel_and_period_and_chart_and_table_agree(
    browser, live_server, shop_sales, width
):
    # given: the owner, logged in, on a screen `width` px wide
    today, _web, _pos = shop_sales
    owner = StaffFactory(role=OWNER)
    client = Client()
    client.force_login(owner)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="vi-VN"
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])  # fmt: skip
    outside = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        live_server.url) else (outside.append(route.request.url), route.abort()))  # fmt: skip
    page = context.new_page()
    try:
        # when: the dashboard opens (the last 30 days, per day)
        page.goto("/admin/reports/")
        # then: both charts draw what their tables say
        figures = assert_charts_match_tables(page)
        assert len(figures["periods"]["labels"]) == 30
        assert sorted(figures["channels"]["labels"]) == ["POS Hàng Giấy", "Web"]
        assert sum(figures["periods"]["current"]) == 30 * 100000 + 15 * 250000

        # when: the owner picks the till's channel and a week grain
        page.locator("#id_channel").select_option(label="POS Hàng Giấy")
        page.locator("#id_grain").select_option(value="week")
        page.locator("#dashboard-filters input[type=submit]").click()
        page.wait_for_load_state()
        # then
        figures = assert_charts_match_tables(page)
        assert figures["channels"]["labels"] == ["POS Hàng Giấy"]
        assert sum(figures["periods"]["current"]) == 15 * 250000
        assert sum(figures["periods"]["previous"]) == 15 * 250000

        # when: the period becomes the last 7 days, per day
        page.locator("#id_start").fill((today - timedelta(days=6)).isoformat())
        page.locator("#id_end").fill(today.isoformat())
        page.locator("#id_grain").select_option(value="day")
        page.locator("#dashboard-filters input[type=submit]").click()
        page.wait_for_load_state()
        # then
        figures = assert_charts_match_tables(page)
        assert len(figures["periods"]["labels"]) == 7
        assert figures["periods"]["current"] == [
            250000 if (today - timedelta(days=6 - n) - today).days % 2 == 0 else 0 for n in range(7)
        ]
        assert screenshot(page, f"dashboard-{width}px").stat().st_size > 0
    finally:
        context.close()
    assert outside == []
