"""The staff dashboard: sales by channel, best sellers, stock to act on, message revenue."""

import csv
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.money import money_round
from config.spreadsheets import spreadsheet_row
from config.templatetags.money import money
from inventory.selectors import staff_location_ids
from reports import selectors
from reports.forms import DashboardFilterForm

# Who sees the dashboard: owners, store managers (their stores) and marketers hold it.
DASHBOARD_PERMISSION = "orders.view_dailychannelsales"


def dashboard(request):
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    location_ids = staff_location_ids(request.user)
    form = DashboardFilterForm(request.GET or None, location_ids=location_ids)
    if request.GET and not form.is_valid():
        return render(request, "admin/reports/dashboard.html", _context(request, form), status=400)
    if not request.GET:
        form = DashboardFilterForm({}, location_ids=location_ids)
        form.is_valid()
    data = form.cleaned_data
    scope = selectors.Scope(
        start=data["start"],
        end=data["end"],
        grain=data["grain"],
        channel=data.get("channel"),
        store=data.get("store"),
        location_ids=location_ids,
    )
    export = request.GET.get("export")
    if export in TABLES:
        return _csv(export, scope)
    sales = selectors.sales_by_channel(scope=scope)
    context = _context(request, form) | {
        "scope": scope,
        "sales": sales,
        "chart": _chart(sales.buckets),
        "products": selectors.top_products(scope=scope),
        "low_stock": selectors.low_stock(scope=scope),
        "discrepancies": selectors.open_discrepancies(scope=scope),
        "attribution": selectors.attributed_revenue(scope=scope),
        "query": request.GET.urlencode(),
    }
    return render(request, "admin/reports/dashboard.html", context)


def _chart(buckets: list[selectors.Bucket]) -> dict:
    """Bars of a server-drawn SVG (no script, no CDN): this period and the previous one side
    by side per bucket, on a 100-high scale; the table under it holds the numbers."""
    bars = []
    for index, bucket in enumerate(buckets):
        for offset, css, percent, amount in (
            (2, "now", bucket.bar_percent, bucket.current.revenue_amount),
            (10, "before", bucket.previous_bar_percent, bucket.previous.revenue_amount),
        ):
            bars.append(
                {"css": css, "x": index * 20 + offset, "y": 100 - percent, "height": percent,
                 "title": f"{bucket.label}: {money(amount)}"}
            )  # fmt: skip
    return {"width": max(len(buckets), 1) * 20, "bars": bars}


def _context(request, form) -> dict:
    return {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "form": form,
    }


def _csv(table: str, scope: selectors.Scope) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{table}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # Excel reads UTF-8 (Vietnamese names) only with the BOM
    writer = csv.writer(response)
    for row in _table_rows(table, scope):
        writer.writerow(spreadsheet_row(_plain(value) for value in row))
    return response


def _plain(value):
    """Amounts in whole đồng (the same text on SQLite and PostgreSQL), the rest as it is."""
    if isinstance(value, Decimal):
        return f"{money_round(value, settings.DEFAULT_CURRENCY):f}"
    return value


def _channels(scope):
    sales = selectors.sales_by_channel(scope=scope)
    yield [_("Channel"), _("Revenue"), _("Orders"), _("Average order"), _("Units"),
           _("Returned"), _("Revenue, previous period"), _("Orders, previous period")]  # fmt: skip
    for row in [*sales.channels, sales.total]:
        c, p = row.current, row.previous
        yield [row.name or _("Total"), c.revenue_amount, c.order_count, c.average_amount,
               c.units, c.returned_amount, p.revenue_amount, p.order_count]  # fmt: skip


def _periods(scope):
    yield [_("Period"), _("Revenue"), _("Orders"), _("Units"), _("Revenue, previous period")]
    for bucket in selectors.sales_by_channel(scope=scope).buckets:
        c = bucket.current
        yield [bucket.label, c.revenue_amount, c.order_count, c.units,
               bucket.previous.revenue_amount]  # fmt: skip


def _products(scope):
    yield [_("Channel"), _("SKU"), _("Product"), _("Units"), _("Revenue"), _("Returned units")]
    for p in selectors.top_products(scope=scope):
        yield [p.channel, p.sku, p.name, p.units, p.revenue_amount, p.returned_units]


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


TABLES = {
    "channels": _channels,
    "periods": _periods,
    "products": _products,
    "low_stock": _low_stock,
    "discrepancies": _discrepancies,
    "attribution": _attribution,
}


def _table_rows(table: str, scope: selectors.Scope):
    return TABLES[table](scope)


dashboard_view = admin.site.admin_view(dashboard)
