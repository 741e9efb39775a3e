"""Who buys: new and returning, repeat buyers, customers of two channels or more.

All from the customers' milestones in the channel rollups (``orders.models.rollups``):
each is counted once, on the day of the order that reached it, so any period's figure is
a sum and "as of a day" is the sum of every month before it plus that month's days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum

from orders.models import DailyChannelSales, MonthlyChannelSales
from reports.selectors.sales import Sales
from reports.selectors.scope import Scope, filtered, next_month

MILESTONES = ("new_customer_count", "repeat_customer_count", "multichannel_customer_count")


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


@dataclass
class Customers:
    """As of a day: customers who ever bought, of them who bought twice or more, and who
    bought in two channels or more."""

    customer_count: int = 0
    repeat_count: int = 0
    multichannel_count: int = 0

    @property
    def repeat_percent(self) -> Decimal | None:
        return _percent(self.repeat_count, self.customer_count)

    @property
    def multichannel_percent(self) -> Decimal | None:
        return _percent(self.multichannel_count, self.customer_count)


@dataclass
class CustomerSummary:
    now: Customers
    before: Customers
    # in the period and the previous one: orders of first-time and of returning customers
    new_count: int
    returning_count: int
    previous_new_count: int
    previous_returning_count: int

    @property
    def returning_percent(self) -> Decimal | None:
        return _percent(self.returning_count, self.new_count + self.returning_count)


def customer_summary(*, scope: Scope, sales: Sales) -> CustomerSummary:
    """The period's new and returning orders (from ``sales``) and the repeat and
    multichannel shares as of the period's end and the previous period's. One query: the
    month rows of every month but the two that hold those ends, UNION ALL the day rows of
    those two months (at most 62 days): a month row's date (its first day) falls on the
    right side of both ends, so "as of" is a sum of the rows up to that day."""
    first_month = scope.previous_end.replace(day=1)
    end_month = scope.end.replace(day=1)
    sums = {name: Sum(name) for name in MILESTONES}
    months = (
        filtered(MonthlyChannelSales.objects.all(), scope)
        .filter(Q(month__lt=first_month) | Q(month__gt=first_month, month__lt=end_month))
        .values("month")
        .annotate(**sums)
        .values_list("month", *MILESTONES)
        .order_by()
    )
    days = (
        filtered(DailyChannelSales.objects.all(), scope)
        .filter(
            Q(on__range=(first_month, next_month(first_month) - timedelta(days=1)))
            | Q(on__range=(end_month, scope.end))
        )
        .values("on")
        .annotate(**sums)
        .values_list("on", *MILESTONES)
        .order_by()
    )
    rows = list(months.union(days, all=True))
    return CustomerSummary(
        now=_as_of(rows, scope.end),
        before=_as_of(rows, scope.previous_end),
        new_count=sales.total.current.new_customer_count,
        returning_count=sales.total.current.returning_order_count,
        previous_new_count=sales.total.previous.new_customer_count,
        previous_returning_count=sales.total.previous.returning_order_count,
    )


def _as_of(rows: list[tuple], last: date) -> Customers:
    totals = [0] * len(MILESTONES)
    for on, *figures in rows:
        if on <= last:
            for index, value in enumerate(figures):
                totals[index] += value or 0
    return Customers(*totals)
