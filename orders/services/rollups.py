"""Keeping the sales rollups (``orders.models.rollups``, per day and per month) up to date.

The order, cancellation and return services call these in their own transaction, so a
figure moves exactly when the order does and a rolled-back sale leaves no trace. Each
change is one upsert per table, whatever the number of lines
(``INSERT … ON CONFLICT DO UPDATE SET units = units + excluded.units``), so two
concurrent sales of the same day, channel and product never lose an increment; on
PostgreSQL the four upserts are sent as one statement.

What is counted: an order on the day it was placed (shop time), every status but
cancelled; a cancellation takes its order back out of that day; a return counts on the
day it was made, against the order's channel and store. Revenue is the lines' totals
(after discounts, without shipping). Every change adds to the day's row and to its
month's row in the same transaction, so a month row is always the sum of its days.

A customer's milestones (first order, returning, second order, first order in a second
channel) are a function of the customer's orders that are not cancelled, in id order
(``orders.services.milestones``). A new order or a cancellation recomputes the customer's
milestones before and after and adds the difference to the days of the orders whose
milestone moved (a cancelled first order makes the second one the first); on PostgreSQL
it locks the customer's row first, so two orders of one customer are counted one after the
other. Orders moved to another customer by a merge move their milestones in the merge's
transaction (``rollup_customers_merging``).

Lock order: each call is the *last* statement of its transaction (after the stock
levels, the order, the shift, vouchers and loyalty), so a transaction holding rollup rows
never waits for anything else and two sales, a cancellation and a return of the same day
and store cannot deadlock (the test races them on PostgreSQL). The entry points call it:
the till (``pos_sale_submit``), the web checkout (``order_place``), marketplaces
(``marketplace_order_ingest``), ``order_cancel`` and the returns service; a new way of
creating, cancelling or returning an order must call it as its own last step.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from customers.locks import customer_lock
from orders.models import (
    DailyChannelSales,
    DailySales,
    MonthlyChannelSales,
    MonthlySales,
    Order,
    OrderLine,
    Return,
)
from orders.services.milestones import (
    MILESTONES,
    customer_milestones,
    milestone_orders_read,
    milestones_sql,
)
from orders.statuses import OrderStatus

FIGURES = ("order_count", "units", "revenue_amount", "returned_units", "returned_amount")
CHANNEL_FIGURES = FIGURES + MILESTONES
# (day grain, month grain) of each of the two keys
GRAINS = ((DailyChannelSales, MonthlyChannelSales), (DailySales, MonthlySales))


def shop_day(at: datetime) -> date:
    """The calendar day of ``at`` in the shop's time zone."""
    return at.astimezone(ZoneInfo(settings.SHOP_TIME_ZONE)).date()


def figure_names(model) -> tuple[str, ...]:
    return CHANNEL_FIGURES if model in (DailyChannelSales, MonthlyChannelSales) else FIGURES


def _upsert(model, rows: list[dict], milestones: str | None = None) -> tuple[str, list] | None:
    """The statement adding each row's figures to its key's row (creating it at zero
    first), with its parameters; None when no figure moves. ``milestones`` (PostgreSQL,
    a channel grain): the name of a ``WITH`` part of the same statement whose rows (the
    key's columns and the milestones' changes) are added too (``milestones_sql``).

    ``INSERT … ON CONFLICT (key) DO UPDATE SET f = table.f + excluded.f`` reads the same on
    SQLite and PostgreSQL. Django's ``bulk_create(update_conflicts=True)`` can only *set*
    ``excluded.f``, which would lose a concurrent sale's increment; this adds under the
    row lock the conflict takes, so two sales of the same day and product both count.
    Rows of one key are merged first: one statement may not touch a row twice.
    """
    figures = figure_names(model)
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple((name, value) for name, value in row.items() if name not in CHANNEL_FIGURES)
        target = merged.setdefault(key, {**dict(key), **dict.fromkeys(figures, 0)})
        for name in figures:
            target[name] += row.get(name, 0)
    rows = [row for row in merged.values() if any(row[name] for name in figures)]
    if not rows:
        return None
    names = (*(name for name in rows[0] if name not in figures), *figures)
    if connection.vendor == "postgresql":
        # Every row in one jsonb parameter (dates, whole numbers and Decimals this module
        # made, as text): the statement's text depends on the columns, not on the rows.
        sql, fields = _upsert_sql(model, names, None, milestones)
        document = [{f.column: row[f.name] for f in fields} for row in rows]
        return sql, [json.dumps(document, default=str)]
    sql, fields = _upsert_sql(model, names, len(rows))
    return sql, [
        field.get_db_prep_save(row[field.name], connection) for row in rows for field in fields
    ]


@functools.cache
def _upsert_sql(
    model, names: tuple[str, ...], count: int | None, milestones: str | None = None
) -> tuple[str, list]:
    """The upsert's text for ``count`` rows of these fields (keys, then figures), or for
    rows read from one jsonb parameter into the table's row type (``None``), with the
    rows of the part named ``milestones`` added to them per key, and the fields; built
    once per process and shape."""
    figures = figure_names(model)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in names]
    unique = next(c for c in model._meta.constraints if c.name.endswith("_key")).fields
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = ", ".join(quote(model._meta.get_field(n).column) for n in unique)
    # Only names from the model's own meta are formatted in; every value is a parameter.
    if count is None:
        rows = f"SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)"  # noqa: S608
        if milestones is not None:
            # One row per key (a statement may not update a row twice), in key order.
            keys = ", ".join(quote(f.column) for f in fields if f.name not in figures)
            sums = ", ".join(f"sum({quote(f.column)})" for f in fields if f.name in figures)
            moved = ", ".join(
                quote(f.column) if f.name in MILESTONES or f.name not in figures else "0"
                for f in fields
            )
            rows = (
                f"SELECT {keys}, {sums} FROM ({rows} UNION ALL SELECT {moved} FROM {milestones})"  # noqa: S608
                f" AS moving GROUP BY {keys} ORDER BY {keys}"
            )
    else:
        rows = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * count)
    increments = ", ".join(f"{quote(n)} = {table}.{quote(n)} + excluded.{quote(n)}"
                           for n in figures)  # fmt: skip
    sql = " ".join(
        [f"INSERT INTO {table} ({columns}) {rows}",
         f"ON CONFLICT ({conflict}) DO UPDATE SET {increments}"]
    )  # fmt: skip
    return sql, fields


def _execute(statements: list[tuple[str, list]], reads: tuple[str, list] | None = None) -> None:
    """Run the upserts: on PostgreSQL as one statement (each a data-modifying ``WITH`` part:
    one round trip; the parts touch different tables, and every change of a rollup builds
    the same parts in the same order, so the rows are locked in one order everywhere),
    after the ``WITH`` parts ``reads`` (their text and parameters) they read from;
    elsewhere one statement each (SQLite has no ``INSERT`` inside ``WITH``)."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
            return
        parts = [f"u{index} AS ({sql})" for index, (sql, _) in enumerate(statements)]
        params = [p for _, statement_params in statements for p in statement_params]
        if reads is not None:
            parts, params = [reads[0], *parts], [*reads[1], *params]
        cursor.execute(f"WITH {', '.join(parts)} SELECT 1", params)


def _key(on: date, channel_id: int, location_id: int | None) -> dict:
    return {"on": on, "channel": channel_id, "location": location_id, "store_key": location_id or 0}


def _add_both(
    channel_rows: list[dict], product_rows: list[dict], milestones_of: Order | None = None
) -> None:
    """Add day rows (keyed by ``on``) and the same figures to their months' rows; with
    ``milestones_of`` (a new order, PostgreSQL), also its customer's milestones' changes,
    read and worked out in the same statement (``milestones.milestones_sql``)."""
    reads = None if milestones_of is None else milestones_sql(milestones_of)
    statements = []
    for (daily, monthly), rows in zip(GRAINS, (channel_rows, product_rows), strict=True):
        months = []
        for row in rows:
            month = {name: value for name, value in row.items() if name != "on"}
            months.append({"month": row["on"].replace(day=1), **month})
        moved = reads is not None and daily is DailyChannelSales
        statements += [
            _upsert(daily, rows, milestones="m_days" if moved else None),
            _upsert(monthly, months, milestones="m_months" if moved else None),
        ]
    _execute([statement for statement in statements if statement is not None], reads)


def _figures(key: dict, pairs, *, units: str, amount: str, count: int) -> tuple[list, list]:
    """Both grains' rows for ``pairs`` of ``(variant_id, quantity, amount)``, added up."""
    per_variant: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for variant_id, quantity, money in pairs:
        per_variant[variant_id][0] += quantity
        per_variant[variant_id][1] += money
    counted = {"order_count": count} if count else {}
    channel_rows = [
        {
            **key,
            **counted,
            units: sum(q for q, _ in per_variant.values()),
            amount: sum((m for _, m in per_variant.values()), Decimal(0)),
        }
    ]
    product_rows = [
        {**key, "variant": variant_id, **counted, units: quantity, amount: money}
        for variant_id, (quantity, money) in sorted(per_variant.items())
    ]
    return channel_rows, product_rows


def _milestone_rows(order: Order, *, joined: bool, customer_locked: bool = False) -> list[dict]:
    """The day rows that move the customer's milestones from before ``order`` joined
    (``joined``) or left (cancelled) their orders to after (one query); the customer's row
    is locked first unless the caller already locked it, in a statement of its own before
    this one (``customer_locked``)."""
    if not order.customer_id:
        return []
    if connection.vendor == "postgresql" and not customer_locked:
        # Two orders of one customer committing at once would each read the other's as
        # absent (READ COMMITTED) and both count as the first. The customer's row is locked
        # here, after every other lock of the transaction (customers come last in the lock
        # order), so the second reads the first's order once it committed. SQLite runs one
        # writing transaction at a time: nothing to lock there.
        customer_lock(customer_id=order.customer_id)
    kept = milestone_orders_read(customer_id=order.customer_id, order_id=order.pk)
    facts = {row[0]: row for row in kept}
    facts[order.pk] = (order.pk, order.placed_at, order.channel_id, order.location_id)
    with_it = sorted([*kept, facts[order.pk]])
    before, after = customer_milestones(kept), customer_milestones(with_it)
    sign = 1 if joined else -1
    rows = []
    for order_id in facts:
        old, new = before.get(order_id, {}), after.get(order_id, {})
        change = {name: sign * (new.get(name, 0) - old.get(name, 0)) for name in MILESTONES}
        if any(change.values()):
            _pk, placed_at, channel_id, location_id = facts[order_id]
            rows.append({**_key(shop_day(placed_at), channel_id, location_id), **change})
    return rows


def rollup_order_placed(
    *, order: Order, lines: list[OrderLine], customer_locked: bool = False
) -> None:
    """Count a new order (any status) on the day it was placed; in the caller's transaction.

    ``customer_locked``: the caller locked the order's customer row in an earlier statement
    of this transaction, after all its other locks (a till sale does it with its shift's);
    a statement that waited for the lock cannot see what the other order committed, so the
    read of the customer's orders must come in a later one, as here: on PostgreSQL the
    upserts' own statement (``milestones.milestones_sql``)."""
    channel_rows, product_rows = _figures(
        _key(shop_day(order.placed_at), order.channel_id, order.location_id),
        [(line.variant_id, line.quantity, line.total_amount) for line in lines],
        units="units", amount="revenue_amount", count=1,
    )  # fmt: skip
    if customer_locked and order.customer_id and connection.vendor == "postgresql":
        _add_both(channel_rows, product_rows, milestones_of=order)
        return
    milestones = _milestone_rows(order, joined=True, customer_locked=customer_locked)
    _add_both(channel_rows + milestones, product_rows)


def rollup_order_cancelled(*, order: Order) -> None:
    """Take a cancelled order back out of the day it was placed; in the caller's transaction."""
    channel_rows, product_rows = _figures(
        _key(shop_day(order.placed_at), order.channel_id, order.location_id),
        [(line.variant_id, -line.quantity, -line.total_amount) for line in order.lines.all()],
        units="units", amount="revenue_amount", count=-1,
    )  # fmt: skip
    _add_both(channel_rows + _milestone_rows(order, joined=False), product_rows)


def rollup_return_recorded(
    *, record: Return, returned: list[tuple[OrderLine, int, Decimal]]
) -> None:
    """Count a return's ``(order line, quantity, refund)`` on the day it was made, against
    the order's channel and store; in the caller's transaction."""
    order = record.order
    _add_both(
        *_figures(
            _key(shop_day(record.created_at), order.channel_id, order.location_id),
            [(line.variant_id, quantity, amount) for line, quantity, amount in returned],
            units="returned_units", amount="returned_amount", count=0,
        )
    )  # fmt: skip


def rollup_customers_merging(*, target_id: int, source_id: int) -> Callable[[], None]:
    """A merge of customer ``source_id`` into ``target_id`` is about to move the source's
    orders to the target: read both customers' orders now and answer the step that moves
    their milestones, which the merge runs as its last statement (``customers.services.
    merge``, registered by ``OrdersConfig.ready``; customers imports no orders code).

    The milestones go from each customer's own orders to the survivor's orders taken
    together, in id order (the merged-away customer's are dropped): a second profile's
    first order becomes a returning one, a first order in another channel may make the
    survivor a customer of two channels. One query now, the day and month upserts then.
    The merge holds both customers' rows, and every order, cancellation or return that
    moves a milestone locks its customer's row before reading (``_milestone_rows``), so
    nothing moves these customers' milestones in between; the rollup rows are locked
    last, as everywhere.
    """
    facts = list(
        Order.objects.filter(customer_id__in=[target_id, source_id])
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("pk")
        .values_list("customer_id", "pk", "placed_at", "channel_id", "location_id")
    )
    before: dict[int, dict[str, int]] = {}
    for customer_id in (target_id, source_id):
        before |= customer_milestones(fact[1:] for fact in facts if fact[0] == customer_id)
    after = customer_milestones(fact[1:] for fact in facts)
    rows = []
    for _customer_id, order_id, placed_at, channel_id, location_id in facts:
        old, new = before.get(order_id, {}), after.get(order_id, {})
        change = {name: new.get(name, 0) - old.get(name, 0) for name in MILESTONES}
        if any(change.values()):
            rows.append({**_key(shop_day(placed_at), channel_id, location_id), **change})
    return lambda: _add_both(rows, [])
