"""Recomputing the sales rollups (``orders.models.rollups``) from every order and return:
``manage.py reports_rebuild``. The figures kept up to date sale by sale are
``orders.services.rollups``'s; this is their from-scratch recount, with the same rules.
"""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from orders.models import DailySales, Order, OrderLine, ReturnLine
from orders.services.milestones import customer_milestones
from orders.services.rollups import GRAINS, figure_names, shop_day
from orders.statuses import OrderStatus


@transaction.atomic
def rollup_rebuild() -> tuple[int, int]:
    """Recompute the four rollups from every order and return; answers the day rows written
    (per channel, per product).

    Aggregates in the database (one query per grain and source); the customers' milestones
    walk the orders that have a customer once, in id order, in Python. On PostgreSQL it
    first locks the tables (EXCLUSIVE): it waits for every sale that already added to them
    to commit (so it sees those orders) and a sale arriving meanwhile waits to add its
    increment until the rebuild committed (which did not see that order), so nothing is
    counted twice or lost.
    """
    _rollup_tables_lock()
    written = []
    for grain in GRAINS:
        days = _rebuilt_days(grain[0])
        figures = figure_names(grain[0])
        months: dict[tuple, dict] = defaultdict(lambda figures=figures: dict.fromkeys(figures, 0))
        for key, values in days.items():
            month = months[(key[0].replace(day=1), *key[1:])]
            for name in figures:
                month[name] += values[name]
        for model, rows, on in ((grain[0], days, "on"), (grain[1], months, "month")):
            model.objects.all().delete()
            objs = [
                model(
                    **{on: key[0]},
                    channel_id=key[1],
                    location_id=key[2],
                    store_key=key[2] or 0,
                    **({"variant_id": key[3]} if len(key) > 3 else {}),
                    **values,
                )
                for key, values in rows.items()
            ]
            model.objects.bulk_create(objs, batch_size=2000)
        written.append(len(days))
    return written[0], written[1]


def _rebuilt_days(model) -> dict[tuple, dict]:
    """``(day, channel, location[, variant]) → figures`` recounted from orders and returns."""
    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    sold = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED).annotate(
        day=TruncDate("order__placed_at", tzinfo=zone)
    )
    returned = ReturnLine.objects.annotate(day=TruncDate("return_record__created_at", tzinfo=zone))
    sale_dims = ("day", "order__channel_id", "order__location_id")
    return_dims = ("day", "order_line__order__channel_id", "order_line__order__location_id")
    per_product = model is DailySales
    extra_sale = ("variant_id",) if per_product else ()
    extra_return = ("order_line__variant_id",) if per_product else ()
    figures = figure_names(model)
    rows: dict[tuple, dict] = defaultdict(lambda figures=figures: dict.fromkeys(figures, 0))
    for row in sold.values(*sale_dims, *extra_sale).annotate(
        n=Count("order_id", distinct=True), u=Sum("quantity"), r=Sum("total_amount")
    ):
        key = tuple(row[name] for name in (*sale_dims, *extra_sale))
        rows[key].update(order_count=row["n"], units=row["u"], revenue_amount=row["r"])
    for row in returned.values(*return_dims, *extra_return).annotate(
        u=Sum("quantity"), r=Sum("refund_amount")
    ):
        key = tuple(row[name] for name in (*return_dims, *extra_return))
        rows[key].update(returned_units=row["u"], returned_amount=row["r"])
    if not per_product:
        for key, change in _all_milestones():
            for name, value in change.items():
                rows[key][name] += value
    return rows


def _all_milestones():
    """``(day key, milestones)`` of every order that reached one, customer by customer."""
    orders = (
        Order.objects.filter(customer__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("customer_id", "pk")
        .values_list("customer_id", "pk", "placed_at", "channel_id", "location_id")
    )
    customer, facts = None, []
    for customer_id, *fact in (*orders.iterator(chunk_size=5000), (None, None, None, None, None)):
        if customer_id != customer and facts:
            by_id = {f[0]: f for f in facts}
            for order_id, flags in customer_milestones(facts).items():
                _pk, placed_at, channel_id, location_id = by_id[order_id]
                yield (shop_day(placed_at), channel_id, location_id), flags
            facts = []
        customer = customer_id
        facts.append(tuple(fact))


def _rollup_tables_lock() -> None:
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for grain in GRAINS for model in grain)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
