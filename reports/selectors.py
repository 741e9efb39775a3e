"""What the dashboard shows, read from the daily rollups (never from the orders).

Each function is one query (or none); the number of rows it reads grows with the days in
the period and the channels or products sold, never with the number of orders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet, Sum

from inventory.models import Location, SalesChannel, StockDiscrepancy, StockLevel
from inventory.selectors import stock_level_low_list
from orders.models import DailyChannelSales, DailySales

ZERO = Decimal(0)


@dataclass(frozen=True)
class Scope:
    """The period and filters, and the stores the viewer may see (``None``: every one)."""

    start: date
    end: date
    grain: str = "day"
    channel: SalesChannel | None = None
    store: Location | None = None
    location_ids: frozenset[int] | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=self.days)

    @property
    def previous_end(self) -> date:
        return self.start - timedelta(days=1)


def _scoped(rows: QuerySet, scope: Scope, location: str = "location_id") -> QuerySet:
    if scope.location_ids is not None:
        rows = rows.filter(**{f"{location}__in": scope.location_ids})
    if scope.store is not None:
        rows = rows.filter(**{location: scope.store.pk})
    return rows


@dataclass
class Figures:
    order_count: int = 0
    units: int = 0
    revenue_amount: Decimal = ZERO
    returned_amount: Decimal = ZERO

    def add(self, row: dict) -> None:
        self.order_count += row["order_count"] or 0
        self.units += row["units"] or 0
        self.revenue_amount += row["revenue_amount"] or ZERO
        self.returned_amount += row["returned_amount"] or ZERO

    @property
    def average_amount(self) -> Decimal:
        if not self.order_count:
            return ZERO
        return (self.revenue_amount / self.order_count).quantize(Decimal(1))


@dataclass
class ChannelRow:
    channel_id: int
    name: str
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
    label: str
    current: Figures = field(default_factory=Figures)
    previous: Figures = field(default_factory=Figures)
    bar_percent: int = 0
    previous_bar_percent: int = 0


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
    of the same length (one query over both)."""
    rows = (
        _scoped(DailyChannelSales.objects.all(), scope)
        .filter(on__range=(scope.previous_start, scope.end))
        .values("on", "channel_id", "channel__name")
        .annotate(
            order_count=Sum("order_count"),
            units=Sum("units"),
            revenue_amount=Sum("revenue_amount"),
            returned_amount=Sum("returned_amount"),
        )
        .order_by("on", "channel__name")
    )
    if scope.channel is not None:
        rows = rows.filter(channel_id=scope.channel.pk)
    total = ChannelRow(channel_id=0, name="")
    channels: dict[int, ChannelRow] = {}
    buckets: dict[date, Bucket] = {}
    day = scope.start
    while day <= scope.end:
        start = bucket_start(day, scope.grain)
        buckets.setdefault(start, Bucket(label=_bucket_label(start, scope.grain)))
        day += timedelta(days=1)
    order = list(buckets)
    for row in rows:
        channel = channels.setdefault(
            row["channel_id"], ChannelRow(channel_id=row["channel_id"], name=row["channel__name"])
        )
        current = row["on"] >= scope.start
        for target in (channel, total):
            (target.current if current else target.previous).add(row)
        if current:
            buckets[bucket_start(row["on"], scope.grain)].current.add(row)
        else:
            # The previous period's day at the same distance from its start.
            mirrored = row["on"] + timedelta(days=scope.days)
            buckets[bucket_start(mirrored, scope.grain)].previous.add(row)
    top = max(
        [b.current.revenue_amount for b in buckets.values()]
        + [b.previous.revenue_amount for b in buckets.values()]
        + [Decimal(1)]
    )
    for bucket in buckets.values():
        bucket.bar_percent = int(bucket.current.revenue_amount * 100 / top)
        bucket.previous_bar_percent = int(bucket.previous.revenue_amount * 100 / top)
    return Sales(
        total=total,
        channels=sorted(channels.values(), key=lambda c: -c.current.revenue_amount),
        buckets=[buckets[start] for start in order],
    )


def _bucket_label(start: date, grain: str) -> str:
    if grain == "month":
        return start.strftime("%m/%Y")
    return start.strftime("%d/%m/%Y")


@dataclass
class ProductRow:
    channel: str
    sku: str
    name: str
    units: int
    revenue_amount: Decimal
    returned_units: int


def top_products(*, scope: Scope, per_channel: int = 5) -> list[ProductRow]:
    """The best sellers by revenue in each channel over the period (one query)."""
    rows = (
        _scoped(DailySales.objects.all(), scope)
        .filter(on__range=(scope.start, scope.end))
        .values("channel__name", "variant__sku", "variant__product__name", "variant__name")
        .annotate(
            units=Sum("units"), revenue_amount=Sum("revenue_amount"), returned=Sum("returned_units")
        )
        .order_by("channel__name", "-revenue_amount", "variant__sku")
    )
    if scope.channel is not None:
        rows = rows.filter(channel_id=scope.channel.pk)
    kept: dict[str, list[ProductRow]] = defaultdict(list)
    for row in rows:
        if len(kept[row["channel__name"]]) < per_channel and row["units"] > 0:
            kept[row["channel__name"]].append(
                ProductRow(
                    channel=row["channel__name"],
                    sku=row["variant__sku"],
                    name=f"{row['variant__product__name']} {row['variant__name']}".strip(),
                    units=row["units"],
                    revenue_amount=row["revenue_amount"],
                    returned_units=row["returned"],
                )
            )
    return [row for rows in kept.values() for row in rows]


def low_stock(*, scope: Scope, limit: int = 20) -> list[StockLevel]:
    """Stock levels at or below their threshold in the viewer's stores (one query)."""
    levels = stock_level_low_list()
    return list(_scoped(levels, scope, "location_id").order_by("available_quantity", "pk")[:limit])


def open_discrepancies(*, scope: Scope, limit: int = 20) -> list[StockDiscrepancy]:
    """Sales that took more than the shelf had, not yet resolved (one query)."""
    rows = StockDiscrepancy.objects.filter(resolved_at__isnull=True).select_related(
        "stock_level__variant__product", "stock_level__location"
    )
    return list(_scoped(rows, scope, "stock_level__location_id")[:limit])


@dataclass
class AttributionRow:
    flow: str
    message_channel: str
    order_count: int
    revenue_amount: Decimal


def attributed_revenue(*, scope: Scope) -> list[AttributionRow]:
    """Orders and revenue credited to messages (``campaigns.Attribution``), per flow and
    message channel, placed in the period (one query)."""
    from campaigns.models import Attribution

    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    rows = Attribution.objects.filter(
        placed_at__gte=datetime.combine(scope.start, time.min, zone),
        placed_at__lt=datetime.combine(scope.end + timedelta(days=1), time.min, zone),
    )
    if scope.channel is not None:
        rows = rows.filter(order__channel_id=scope.channel.pk)
    rows = _scoped(rows, scope, "order__location_id")
    rows = (
        rows.values("message__flow", "channel")
        .annotate(order_count=Count("pk"), revenue_amount=Sum("total_amount"))
        .order_by("-revenue_amount", "message__flow")
    )
    return [
        AttributionRow(
            flow=row["message__flow"],
            message_channel=row["channel"],
            order_count=row["order_count"],
            revenue_amount=row["revenue_amount"],
        )
        for row in rows
    ]
