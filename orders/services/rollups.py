"""Keeping the daily sales rollups (``orders.models.rollups``) up to date.

The order, cancellation and return services call these in their own transaction, so a
figure moves exactly when the order does and a rolled-back sale leaves no trace. Each
change is one upsert statement per grain, whatever the number of lines
(``INSERT … ON CONFLICT DO UPDATE SET units = units + excluded.units``), so two
concurrent sales of the same day, channel and product never lose an increment.

What is counted: an order on the day it was placed (shop time), every status but
cancelled; a cancellation takes its order back out of that day; a return counts on the
day it was made, against the order's channel and store. Revenue is the lines' totals
(after discounts, without shipping).

Lock order: each call is the *last* statement of its transaction (after the stock
levels, the order, the shift, vouchers and loyalty), so a transaction holding rollup rows
never waits for anything else and two sales, a cancellation and a return of the same day
and store cannot deadlock (the test races them on PostgreSQL). The entry points call it:
the till (``pos_sale_submit``), the web checkout (``order_place``), marketplaces
(``marketplace_order_ingest``), ``order_cancel`` and the returns service; a new way of
creating, cancelling or returning an order must call it as its own last step.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from orders.models import DailyChannelSales, DailySales, Order, OrderLine, Return, ReturnLine
from orders.statuses import OrderStatus

FIGURES = ("order_count", "units", "revenue_amount", "returned_units", "returned_amount")


def shop_day(at: datetime) -> date:
    """The calendar day of ``at`` in the shop's time zone."""
    return at.astimezone(ZoneInfo(settings.SHOP_TIME_ZONE)).date()


def _add(model, rows: list[dict]) -> None:
    """Add each row's figures to its key's row, creating it at zero first: one statement.

    ``INSERT … ON CONFLICT (key) DO UPDATE SET f = table.f + excluded.f`` reads the same on
    SQLite and PostgreSQL. Django's ``bulk_create(update_conflicts=True)`` can only *set*
    ``excluded.f``, which would lose a concurrent sale's increment; this adds under the
    row lock the conflict takes, so two sales of the same day and product both count.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = [name for name in rows[0] if name not in FIGURES]
    fields = [model._meta.get_field(name) for name in (*keys, *FIGURES)]
    unique = next(c for c in model._meta.constraints if c.name.endswith("_key")).fields
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = ", ".join(quote(model._meta.get_field(n).column) for n in unique)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(rows))
    increments = ", ".join(f"{quote(n)} = {table}.{quote(n)} + excluded.{quote(n)}"
                           for n in FIGURES)  # fmt: skip
    # Only names from the model's own meta are formatted in; every value is a parameter.
    sql = " ".join(
        [f"INSERT INTO {table} ({columns}) VALUES {placeholders}",  # noqa: S608
         f"ON CONFLICT ({conflict}) DO UPDATE SET {increments}"]
    )  # fmt: skip
    params = [
        field.get_db_prep_save(row.get(field.name, 0), connection)
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _order_key(order: Order, on: date) -> dict:
    return {
        "on": on,
        "channel": order.channel_id,
        "location": order.location_id,
        "store_key": order.location_id or 0,
    }


def _figures(key: dict, pairs, *, units: str, amount: str, count: int) -> None:
    """Both grains' rows for ``pairs`` of ``(variant_id, quantity, amount)``, added up."""
    per_variant: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for variant_id, quantity, money in pairs:
        per_variant[variant_id][0] += quantity
        per_variant[variant_id][1] += money
    counted = {"order_count": count} if count else {}
    _add(
        DailyChannelSales,
        [
            {
                **key,
                **counted,
                units: sum(q for q, _ in per_variant.values()),
                amount: sum((m for _, m in per_variant.values()), Decimal(0)),
            }
        ],
    )
    _add(
        DailySales,
        [
            {**key, "variant": variant_id, **counted, units: quantity, amount: money}
            for variant_id, (quantity, money) in sorted(per_variant.items())
        ],
    )


def rollup_order_placed(*, order: Order, lines: list[OrderLine]) -> None:
    """Count a new order (any status) on the day it was placed; in the caller's transaction."""
    _figures(
        _order_key(order, shop_day(order.placed_at)),
        [(line.variant_id, line.quantity, line.total_amount) for line in lines],
        units="units", amount="revenue_amount", count=1,
    )  # fmt: skip


def rollup_order_cancelled(*, order: Order) -> None:
    """Take a cancelled order back out of the day it was placed; in the caller's transaction."""
    _figures(
        _order_key(order, shop_day(order.placed_at)),
        [(line.variant_id, -line.quantity, -line.total_amount) for line in order.lines.all()],
        units="units", amount="revenue_amount", count=-1,
    )  # fmt: skip


def rollup_return_recorded(
    *, record: Return, returned: list[tuple[OrderLine, int, Decimal]]
) -> None:
    """Count a return's ``(order line, quantity, refund)`` on the day it was made, against
    the order's channel and store; in the caller's transaction."""
    _figures(
        _order_key(record.order, shop_day(record.created_at)),
        [(line.variant_id, quantity, amount) for line, quantity, amount in returned],
        units="returned_units", amount="returned_amount", count=0,
    )  # fmt: skip


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
