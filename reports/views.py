"""The staff dashboard: sales by channel with the previous period, customers, recovery
and attributed revenue, reviews, best sellers, stock to act on; every table as CSV."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.money import money_round
from inventory.selectors import staff_location_ids
from reports import selectors
from reports.exports import TABLES, csv_response
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
        return csv_response(export, scope)
    return render(request, "admin/reports/dashboard.html", _context(request, form) | report(scope))


def report(scope: selectors.Scope) -> dict:
    """Every figure of the page, each selector once (the CSV exports call the same)."""
    sales = selectors.sales_by_channel(scope=scope)
    best = selectors.best_sellers(scope=scope)
    attribution = selectors.attributed_revenue(scope=scope)
    funnel, reviews = selectors.funnel_and_reviews(
        scope=scope, attribution=attribution, order_count=sales.total.current.order_count
    )
    return {
        "scope": scope,
        "sales": sales,
        "charts": _charts(sales),
        "customers": selectors.customer_summary(scope=scope, sales=sales),
        "products": best.products,
        "categories": best.categories,
        "low_stock": selectors.low_stock(scope=scope),
        "discrepancies": selectors.open_discrepancies(scope=scope),
        "attribution": attribution,
        "funnel": funnel,
        "reviews": reviews,
    }


def _whole(amount) -> int:
    return int(money_round(amount, "VND"))


def _charts(sales: selectors.Sales) -> dict:
    """What Chart.js draws (``static/reports/dashboard.js``), in whole đồng; the tables
    under each chart hold the same numbers for screen readers and for the eye."""
    return {
        "periods": {
            "labels": [bucket.label for bucket in sales.buckets],
            "current": [_whole(bucket.current.revenue_amount) for bucket in sales.buckets],
            "previous": [_whole(bucket.previous.revenue_amount) for bucket in sales.buckets],
        },
        "channels": {
            "labels": [row.name for row in sales.channels],
            "current": [_whole(row.current.revenue_amount) for row in sales.channels],
            "previous": [_whole(row.previous.revenue_amount) for row in sales.channels],
        },
        "legend": {"current": _("This period"), "previous": _("Previous period")},
    }


def _context(request, form) -> dict:
    return {
        **admin.site.each_context(request),
        "title": _("Dashboard"),
        "form": form,
        "query": request.GET.urlencode(),
    }


dashboard_view = admin.site.admin_view(dashboard)
