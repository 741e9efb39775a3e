"""CSV exports of every table of the dashboard, safe to open in a spreadsheet."""

import csv
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from config.money import money_round
from config.spreadsheets import spreadsheet_row
from reports import selectors


def csv_response(table: str, scope: selectors.Scope) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{table}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # Excel reads UTF-8 (Vietnamese names) only with the BOM
    writer = csv.writer(response)
    for row in TABLES[table](scope):
        writer.writerow(spreadsheet_row(_plain(value) for value in row))
    return response


def _plain(value):
    """Amounts in whole đồng (the same text on SQLite and PostgreSQL), none as empty."""
    if isinstance(value, Decimal):
        return f"{money_round(value, settings.DEFAULT_CURRENCY):f}"
    return "" if value is None else value


def _channels(scope):
    sales = selectors.sales_by_channel(scope=scope)
    yield [_("Channel"), _("Revenue"), _("Orders"), _("Average order"), _("Units"),
           _("Returned"), _("Revenue, previous period"), _("Orders, previous period"),
           _("Average order, previous period"), _("Units, previous period")]  # fmt: skip
    for row in [*sales.channels, sales.total]:
        c, p = row.current, row.previous
        yield [row.name or _("Total"), c.revenue_amount, c.order_count, c.average_amount,
               c.units, c.returned_amount, p.revenue_amount, p.order_count, p.average_amount,
               p.units]  # fmt: skip


def _periods(scope):
    yield [_("Period"), _("Revenue"), _("Orders"), _("Average order"), _("Units"),
           _("Revenue, previous period"), _("Orders, previous period")]  # fmt: skip
    for bucket in selectors.sales_by_channel(scope=scope).buckets:
        c, p = bucket.current, bucket.previous
        yield [bucket.label, c.revenue_amount, c.order_count, c.average_amount, c.units,
               p.revenue_amount, p.order_count]  # fmt: skip


def _customers(scope):
    summary = selectors.customer_summary(scope=scope, sales=selectors.sales_by_channel(scope=scope))
    yield [_("Figure"), _("This period"), _("Previous period")]
    yield [_("Orders of new customers"), summary.new_count, summary.previous_new_count]
    yield [_("Orders of returning customers"), summary.returning_count,
           summary.previous_returning_count]  # fmt: skip
    yield [_("Customers who ever bought"), summary.now.customer_count,
           summary.before.customer_count]  # fmt: skip
    yield [_("Repeat-purchase rate (%)"), summary.now.repeat_percent,
           summary.before.repeat_percent]  # fmt: skip
    yield [_("Bought in two channels or more (%)"), summary.now.multichannel_percent,
           summary.before.multichannel_percent]  # fmt: skip


def _products(scope):
    yield [_("Channel"), _("SKU"), _("Product"), _("Units"), _("Revenue"), _("Returned units")]
    for p in selectors.best_sellers(scope=scope).products:
        yield [p.channel, p.sku, p.name, p.units, p.revenue_amount, p.returned_units]


def _categories(scope):
    yield [_("Channel"), _("Category"), _("Units"), _("Revenue")]
    for c in selectors.best_sellers(scope=scope).categories:
        yield [c.channel, c.name or _("No category"), c.units, c.revenue_amount]


def _low_stock(scope):
    yield [_("SKU"), _("Product"), _("Location"), _("Available"), _("Threshold")]
    for level in selectors.low_stock(scope=scope, limit=10_000):
        yield [level.variant.sku, str(level.variant), level.location.name,
               level.available_quantity, level.low_stock_threshold]  # fmt: skip


def _discrepancies(scope):
    yield [_("SKU"), _("Location"), _("Shortfall"), _("Reference"), _("Since")]
    for d in selectors.open_discrepancies(scope=scope, limit=10_000):
        yield [d.stock_level.variant.sku, d.stock_level.location.name, d.shortfall,
               d.reference, d.created_at.isoformat()]  # fmt: skip


def _attribution(scope):
    yield [_("Flow"), _("Message channel"), _("Orders"), _("Revenue")]
    for a in selectors.attributed_revenue(scope=scope):
        yield [a.flow, a.message_channel, a.order_count, a.revenue_amount]


def _funnel(scope):
    yield [_("Flow"), _("Entered"), _("Messages sent"), _("Clicked"), _("Orders"),
           _("Revenue"), _("Recovered (%)")]  # fmt: skip
    attribution = selectors.attributed_revenue(scope=scope)
    for f in selectors.recovery_funnel(scope=scope, attribution=attribution):
        yield [f.label, f.entered, f.sent, f.clicked, f.order_count, f.revenue_amount,
               f.recovered_percent]  # fmt: skip


def _reviews(scope):
    sales = selectors.sales_by_channel(scope=scope)
    rate = selectors.review_rate(scope=scope, order_count=sales.total.current.order_count)
    yield [_("Reviews"), _("Orders"), _("Review rate (%)")]
    if rate is not None:
        yield [rate.review_count, rate.order_count, rate.percent]


TABLES = {
    "channels": _channels,
    "periods": _periods,
    "customers": _customers,
    "products": _products,
    "categories": _categories,
    "low_stock": _low_stock,
    "discrepancies": _discrepancies,
    "attribution": _attribution,
    "funnel": _funnel,
    "reviews": _reviews,
}
