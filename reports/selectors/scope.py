"""The period and filters every report reads, and the split of a period into the days
read from the day rows and the whole months read from the month rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from inventory.models import Location, SalesChannel


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

    @property
    def is_store_scoped(self) -> bool:
        """A store manager's view: figures that belong to no store are not theirs."""
        return self.location_ids is not None


def scoped(rows: QuerySet, scope: Scope, location: str = "location_id") -> QuerySet:
    """Only the viewer's stores, and the chosen store."""
    if scope.location_ids is not None:
        rows = rows.filter(**{f"{location}__in": scope.location_ids})
    if scope.store is not None:
        rows = rows.filter(**{location: scope.store.pk})
    return rows


def filtered(rows: QuerySet, scope: Scope, channel: str = "channel_id") -> QuerySet:
    """``scoped`` and the chosen channel: what every rollup read starts from."""
    rows = scoped(rows, scope)
    if scope.channel is not None:
        rows = rows.filter(**{channel: scope.channel.pk})
    return rows


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_split(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """``start`` to ``end`` as the day ranges to read from the day rows (the partial months at
    either edge) and the range of month starts to read from the month rows (the whole
    months): at most 62 days' rows whatever the period's length."""
    first_whole = start if start.day == 1 else next_month(start)
    last_whole = end.replace(day=1) if next_month(end) - timedelta(days=1) == end else None
    if last_whole is None:
        last_whole = end.replace(day=1) - timedelta(days=1)
        last_whole = last_whole.replace(day=1)
    if first_whole > last_whole:
        return [(start, end)], None
    days = []
    if start < first_whole:
        days.append((start, first_whole - timedelta(days=1)))
    after = next_month(last_whole)
    if after <= end:
        days.append((after, end))
    return days, (first_whole, last_whole)
