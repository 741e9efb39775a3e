"""Keeping the daily sales rollups (``orders.models.rollups``) up to date.

The order, cancellation and return services call these in their own transaction, so a
figure moves exactly when the order does and a rolled-back sale leaves no trace. Each
change is two statements per grain: an insert of the zero row that is skipped when the
key exists (``ignore_conflicts``), then an ``UPDATE … SET units = units + n``. Two
concurrent sales of the same day, channel and product therefore never lose an increment:
the second insert is a no-op and its ``UPDATE`` waits for the first one's row lock and
adds to what it committed.

What is counted: an order on the day it was placed (shop time), every status but
cancelled; a cancellation takes its order back out of that day; a return counts on the
day it was made, against the order's channel and store. Revenue is the lines' totals
(after discounts, without shipping).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate

from orders.models import DailyChannelSales, DailySales, Order, OrderLine, Return, ReturnLine
from orders.statuses import OrderStatus

FIGURES = ("order_count", "units", "revenue_amount", "returned_units", "returned_amount")


def shop_day(at: datetime) -> date:
    """The calendar day of ``at`` in the shop's time zone."""
    return at.astimezone(ZoneInfo(settings.SHOP_TIME_ZONE)).date()


def _add(model, *, key: dict, figures: dict) -> None:
    figures = {name: value for name, value in figures.items() if value}
    if not figures:
        return
    model.objects.bulk_create([model(**key)], ignore_conflicts=True)
    lookup = {name: value for name, value in key.items() if name != "location"}
    model.objects.filter(**lookup).update(
        **{name: F(name) + value for name, value in figures.items()}
    )


def _order_key(order: Order, on: date) -> dict:
    return {
        "on": on,
        "channel_id": order.channel_id,
        "location_id": order.location_id,
        "store_key": order.location_id or 0,
    }


def _order_figures(order: Order, lines: list[OrderLine], sign: int) -> None:
    key = _order_key(order, shop_day(order.placed_at))
    _add(
        DailyChannelSales,
        key=key,
        figures={
            "order_count": sign,
            "units": sign * sum(line.quantity for line in lines),
            "revenue_amount": sign * sum((line.total_amount for line in lines), Decimal(0)),
        },
    )
    per_variant: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for line in lines:
        per_variant[line.variant_id][0] += line.quantity
        per_variant[line.variant_id][1] += line.total_amount
    for variant_id, (units, revenue) in sorted(per_variant.items()):
        _add(
            DailySales,
            key={**key, "variant_id": variant_id},
            figures={"order_count": sign, "units": sign * units, "revenue_amount": sign * revenue},
        )


@transaction.atomic
def rollup_order_placed(*, order: Order, lines: list[OrderLine]) -> None:
    """Count a new order (any status) on the day it was placed."""
    _order_figures(order, lines, +1)


@transaction.atomic
def rollup_order_cancelled(*, order: Order) -> None:
    """Take a cancelled order back out of the day it was placed."""
    _order_figures(order, list(order.lines.all()), -1)


@transaction.atomic
def rollup_return_recorded(
    *, record: Return, returned: list[tuple[OrderLine, int, Decimal]]
) -> None:
    """Count a return's ``(order line, quantity, refund)`` on the day it was made."""
    order = record.order
    key = _order_key(order, shop_day(record.created_at))
    _add(
        DailyChannelSales,
        key=key,
        figures={
            "returned_units": sum(quantity for _, quantity, _ in returned),
            "returned_amount": sum((amount for _, _, amount in returned), Decimal(0)),
        },
    )
    per_variant: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for line, quantity, amount in returned:
        per_variant[line.variant_id][0] += quantity
        per_variant[line.variant_id][1] += amount
    for variant_id, (units, amount) in sorted(per_variant.items()):
        _add(
            DailySales,
            key={**key, "variant_id": variant_id},
            figures={"returned_units": units, "returned_amount": amount},
        )


@transaction.atomic
def rollup_rebuild() -> tuple[int, int]:
    """Recompute both rollups from every order and return; answers the rows written.

    Aggregates in the database (one query per grain and source), so it is a handful of
    statements whatever the size. On PostgreSQL it first locks both tables (EXCLUSIVE):
    it waits for every sale that already added to them to commit (so it sees those orders)
    and a sale arriving meanwhile waits to add its increment until the rebuild committed
    (which did not see that order), so nothing is counted twice or lost.
    """
    _rollup_tables_lock()
    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    sold = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED).annotate(
        day=TruncDate("order__placed_at", tzinfo=zone)
    )
    returned = ReturnLine.objects.annotate(day=TruncDate("return_record__created_at", tzinfo=zone))
    sale_dims = ("day", "order__channel_id", "order__location_id")
    return_dims = (
        "day",
        "order_line__order__channel_id",
        "order_line__order__location_id",
    )
    written = []
    for model, extra_sale, extra_return in (
        (DailyChannelSales, (), ()),
        (DailySales, ("variant_id",), ("order_line__variant_id",)),
    ):
        rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
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
        model.objects.all().delete()
        objs = [
            model(
                on=key[0],
                channel_id=key[1],
                location_id=key[2],
                store_key=key[2] or 0,
                **({"variant_id": key[3]} if len(key) > 3 else {}),
                **figures,
            )
            for key, figures in rows.items()
        ]
        model.objects.bulk_create(objs, batch_size=2000)
        written.append(len(objs))
    return written[0], written[1]


def _rollup_tables_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {DailyChannelSales._meta.db_table}, {DailySales._meta.db_table}"
                " IN EXCLUSIVE MODE"
            )
