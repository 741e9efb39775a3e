"""Sales by channel and best sellers, read from the rollups (never from the orders).

Each function is one query; the number of rows it reads grows with the channels or
products sold and the days in the period, never with the number of orders; where the
figures are per month (best sellers always, sales by channel at the month grain) the
whole months come from the month rows and only the partial months' days from the day
rows (at most 62 days' rows), so a year reads about a dozen rows per key, not 365.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import IntegerField, Min, Q, QuerySet, Sum, Value

from inventory.models import Variant
from orders.models import DailyChannelSales, DailySales, MonthlyChannelSales, MonthlySales
from reports.selectors.scope import Scope, filtered, month_split, next_month

ZERO = Decimal(0)


@dataclass
class Figures:
    order_count: int = 0
    units: int = 0
    revenue_amount: Decimal = ZERO
    returned_amount: Decimal = ZERO
    new_customer_count: int = 0
    returning_order_count: int = 0

    def add(self, row: dict, sign: int = 1) -> None:
        self.order_count += sign * (row["order_count"] or 0)
        self.units += sign * (row["units"] or 0)
        self.revenue_amount += sign * (row["revenue_amount"] or ZERO)
        self.returned_amount += sign * (row["returned_amount"] or ZERO)
        self.new_customer_count += sign * (row.get("new_customer_count") or 0)
        self.returning_order_count += sign * (row.get("returning_order_count") or 0)

    @property
    def average_amount(self) -> Decimal:
        if not self.order_count:
            return ZERO
        return (self.revenue_amount / self.order_count).quantize(Decimal(1))


@dataclass
class ChannelRow:
    channel_id: int
    name: str
    kind: str = ""
    current: Figures = field(default_factory=Figures)
    previous: Figures = field(default_factory=Figures)

    @property
    def change_percent(self) -> Decimal | None:
        if not self.previous.revenue_amount:
            return None
        change = (self.current.revenue_amount / self.previous.revenue_amount - 1) * 100
        return change.quantize(Decimal("0.1"))


@dataclass
class Bucket:
    start: date
    label: str
    current: Figures = field(default_factory=Figures)
    previous: Figures = field(default_factory=Figures)


@dataclass
class Sales:
    total: ChannelRow
    channels: list[ChannelRow]
    buckets: list[Bucket]


def bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def sales_by_channel(*, scope: Scope) -> Sales:
    """Totals per channel and per day, week or month, this period beside the previous one
    of the same length (one query over both). The channels are those that sold: a new
    one (a phone line, another marketplace shop) appears with its first order.

    Per month, the whole months come from the month rows (see ``_channel_rows``): a year
    reads about two dozen rows per channel instead of 730."""
    shift = timedelta(days=scope.days)
    total = ChannelRow(channel_id=0, name="")
    channels: dict[int, ChannelRow] = {}
    buckets: dict[date, Bucket] = {}
    day = scope.start
    while day <= scope.end:
        start = bucket_start(day, scope.grain)
        buckets.setdefault(start, Bucket(start=start, label=_bucket_label(start, scope.grain)))
        day += timedelta(days=1)
    plan = _month_plan(scope)
    for row in _channel_rows(scope, plan):
        on, current = row["on"], row["on"] >= scope.start
        if not row["month_row"] and not current and on.replace(day=1) in plan:
            # A day of a previous month read whole that falls in another bucket once
            # mirrored: moved from the month's bucket to its own (the totals hold it once).
            buckets[plan[on.replace(day=1)][0]].previous.add(row, sign=-1)
            buckets[bucket_start(on + shift, scope.grain)].previous.add(row)
            continue
        channel = channels.setdefault(
            row["channel_id"],
            ChannelRow(
                channel_id=row["channel_id"], name=row["channel__name"], kind=row["channel__kind"]
            ),
        )
        for target in (channel, total):
            (target.current if current else target.previous).add(row)
        if current:
            buckets[bucket_start(on, scope.grain)].current.add(row)
        elif row["month_row"]:
            buckets[plan[on][0]].previous.add(row)
        else:
            # The previous period's day at the same distance from its start.
            buckets[bucket_start(on + shift, scope.grain)].previous.add(row)
    return Sales(
        total=total,
        channels=sorted(channels.values(), key=lambda c: (-c.current.revenue_amount, c.name)),
        buckets=list(buckets.values()),
    )


def _month_plan(scope: Scope) -> dict[date, tuple[date, list[tuple[date, date]]]]:
    """Per month, the previous period's whole months read from the month rows: the bucket
    (month) that most of the month's days fall in once mirrored onto this period, and the
    ranges of its other days (read from the day rows to move them to their bucket)."""
    if scope.grain != "month":
        return {}
    _days, months = month_split(scope.previous_start, scope.previous_end)
    shift = timedelta(days=scope.days)
    plan: dict[date, tuple[date, list[tuple[date, date]]]] = {}
    month = months[0] if months else None
    while months and month <= months[1]:
        # The month's days, mirrored, split into runs by the bucket they fall in.
        runs: list[list] = []
        day = month
        while day < next_month(month):
            bucket = bucket_start(day + shift, "month")
            if runs and runs[-1][0] == bucket:
                runs[-1][2] = day
            else:
                runs.append([bucket, day, day])
            day += timedelta(days=1)
        most = max(runs, key=lambda run: (run[2] - run[1]).days)[0]
        plan[month] = (most, [(first, last) for bucket, first, last in runs if bucket != most])
        month = next_month(month)
    return plan


def _channel_rows(scope: Scope, plan: dict) -> list[dict]:
    """The channel rows of both periods, one query, each with ``on`` (a day, or a month's
    first day) and ``month_row``.

    Per day or week: the day rows. Per month: this period's whole months from the month
    rows (a month is one bucket) and its partial months' days from the day rows; the same
    for the previous period, where a whole month mirrored onto this period may straddle
    two buckets: its month row counts in the bucket most of its days fall in and the day
    rows of its other days are read to move them to theirs (one day a month across a
    29 February, none for the usual twelve months beside the twelve before). So the rows
    read grow with the months and the partial months' days, not with the period's days.
    """
    daily = filtered(DailyChannelSales.objects.all(), scope)
    if scope.grain != "month":
        return _dicts(_grouped(daily.filter(on__range=(scope.previous_start, scope.end)), "on", 0))
    ranges, months = [], []
    for first, last in (scope.previous_start, scope.previous_end), (scope.start, scope.end):
        edges, whole = month_split(first, last)
        ranges += edges
        month = whole[0] if whole else None
        while whole and month <= whole[1]:
            months.append(month)
            month = next_month(month)
    for _bucket, straddling in plan.values():
        ranges += straddling
    parts = []
    if ranges:
        by_day = Q()
        for first, last in ranges:
            by_day |= Q(on__range=(first, last))
        parts.append(_grouped(daily.filter(by_day), "on", 0))
    if months:
        monthly = filtered(MonthlyChannelSales.objects.all(), scope).filter(month__in=months)
        parts.append(_grouped(monthly, "month", 1))
    return _dicts(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


_COLUMNS = ("on", "channel_id", "month_row", "channel__name", "channel__kind", "order_count",
            "units", "revenue_amount", "returned_amount", "new_customer_count",
            "returning_order_count")  # fmt: skip


def _dicts(rows: QuerySet) -> list[dict]:
    return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]


def _grouped(rows: QuerySet, on: str, month_row: int) -> QuerySet:
    # Grouped by integers (day, channel id); the channel's name rides along as an
    # aggregate, so no row is sorted by text.
    return (
        rows.values(on, "channel_id")
        .annotate(
            month_row=Value(month_row, output_field=IntegerField()),
            channel__name=Min("channel__name"),
            channel__kind=Min("channel__kind"),
            order_count=Sum("order_count"),
            units=Sum("units"),
            revenue_amount=Sum("revenue_amount"),
            returned_amount=Sum("returned_amount"),
            new_customer_count=Sum("new_customer_count"),
            returning_order_count=Sum("returning_order_count"),
        )
        .values_list(on, *_COLUMNS[1:])
        .order_by()
    )


def _bucket_label(start: date, grain: str) -> str:
    if grain == "month":
        return start.strftime("%m/%Y")
    return start.strftime("%d/%m/%Y")


def _period_rows(scope: Scope) -> QuerySet:
    """The product grain over the period: its partial months from the day rows, its whole
    months from the month rows, in one query (UNION ALL of the two)."""
    days, months = month_split(scope.start, scope.end)
    daily = filtered(DailySales.objects.all(), scope)
    by_day = Q()
    for first, last in days:
        by_day |= Q(on__range=(first, last))
    parts = [daily.filter(by_day)] if days else []
    if months is not None:
        parts.append(filtered(MonthlySales.objects.all(), scope).filter(month__range=months))
    # Grouped by ids only (the names are read once per variant after): no join to the
    # catalog for every row.
    grouped = [
        part.values("channel_id", "variant_id")
        .annotate(
            channel_name=Min("channel__name"),
            units=Sum("units"),
            revenue_amount=Sum("revenue_amount"),
            returned=Sum("returned_units"),
        )
        .order_by()
        for part in parts
    ]
    return grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]


@dataclass
class ProductRow:
    channel: str
    sku: str
    name: str
    units: int
    revenue_amount: Decimal
    returned_units: int


@dataclass
class CategoryRow:
    channel: str
    name: str
    units: int = 0
    revenue_amount: Decimal = ZERO


@dataclass
class BestSellers:
    products: list[ProductRow]
    categories: list[CategoryRow]


def best_sellers(*, scope: Scope, per_channel: int = 5) -> BestSellers:
    """The best products and categories by revenue in each channel over the period (two
    queries: the figures per channel and variant, then the names of the variants sold;
    rows per channel and product sold, not per order)."""
    figures: dict[tuple, list] = defaultdict(lambda: [0, ZERO, 0])
    for row in _period_rows(scope):
        target = figures[(row["channel_name"], row["variant_id"])]
        target[0] += row["units"] or 0
        target[1] += row["revenue_amount"] or ZERO
        target[2] += row["returned"] or 0
    catalog = {
        pk: (sku, f"{product} {name}".strip(), category or "")
        for pk, sku, name, product, category in Variant.objects.filter(
            pk__in={variant_id for _channel, variant_id in figures}
        ).values_list("pk", "sku", "name", "product__name", "product__category__name")
    }
    products: list[ProductRow] = []
    categories: dict[tuple, CategoryRow] = {}
    for (channel, variant_id), (units, revenue, returned) in figures.items():
        sku, name, category_name = catalog[variant_id]
        products.append(ProductRow(channel=channel, sku=sku, name=name, units=units,
                                   revenue_amount=revenue, returned_units=returned))  # fmt: skip
        category = categories.setdefault(
            (channel, category_name), CategoryRow(channel=channel, name=category_name)
        )
        category.units += units
        category.revenue_amount += revenue
    return BestSellers(
        products=_top(products, per_channel, lambda p: p.sku),
        categories=_top(categories.values(), per_channel, lambda c: c.name),
    )


def _top(rows, per_channel: int, tie):
    kept: dict[str, list] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.channel, -r.revenue_amount, tie(r))):
        if len(kept[row.channel]) < per_channel and row.units > 0:
            kept[row.channel].append(row)
    return [row for channel_rows in kept.values() for row in channel_rows]


def top_products(*, scope: Scope, per_channel: int = 5) -> list[ProductRow]:
    return best_sellers(scope=scope, per_channel=per_channel).products
