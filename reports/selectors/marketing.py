"""What messages earned: the cart and checkout recovery funnel, revenue attributed to
messages (``campaigns``' attribution), and how many buyers write a review.

Read-only over ``campaigns`` and ``customers``; each function is one query over the
period's rows (enrolments, messages, clicks, attributions and reviews of the period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Count, F, Sum, Value

from reports.selectors.scope import Scope, scoped

RECOVERY_FLOWS = ("cart_abandoned", "checkout_abandoned")


def period_bounds(scope: Scope) -> tuple[datetime, datetime]:
    """The period as aware datetimes: from its first day's midnight in the shop's zone to
    the midnight after its last day (excluded)."""
    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    return (
        datetime.combine(scope.start, time.min, zone),
        datetime.combine(scope.end + timedelta(days=1), time.min, zone),
    )


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

    start, stop = period_bounds(scope)
    rows = Attribution.objects.filter(placed_at__gte=start, placed_at__lt=stop)
    if scope.channel is not None:
        rows = rows.filter(order__channel_id=scope.channel.pk)
    rows = scoped(rows, scope, "order__location_id")
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


@dataclass
class FunnelRow:
    flow: str
    label: str
    entered: int = 0
    sent: int = 0
    clicked: int = 0
    order_count: int = 0
    revenue_amount: Decimal = Decimal(0)

    @property
    def recovered_percent(self) -> Decimal | None:
        if not self.entered:
            return None
        return (Decimal(self.order_count) * 100 / self.entered).quantize(Decimal("0.1"))


@dataclass
class ReviewRate:
    review_count: int
    order_count: int

    @property
    def percent(self) -> Decimal | None:
        if not self.order_count:
            return None
        return (Decimal(self.review_count) * 100 / self.order_count).quantize(Decimal("0.1"))


def funnel_and_reviews(
    *, scope: Scope, attribution: list[AttributionRow], order_count: int
) -> tuple[list[FunnelRow], ReviewRate | None]:
    """Cart and checkout recovery over the period: shoppers who entered each flow, its
    messages sent, clicked (scanners left out), and the orders and revenue attributed to
    it (from ``attribution``); and the reviews written in the period per order of the
    period (``order_count``). One query (UNION ALL of the counts).

    Web carts belong to no store: no funnel for a store manager's view or a chosen store.
    A review belongs to no channel or store: no rate either then, nor with a channel."""
    from campaigns.models import Flow, FlowEnrolment, Message, MessageActivity
    from customers.models import Review

    with_funnel = not (scope.is_store_scoped or scope.store is not None)
    with_reviews = with_funnel and scope.channel is None
    if not with_funnel:
        return [], None
    start, stop = period_bounds(scope)

    def stage(name, count="pk"):
        return {
            "stage": Value(name, output_field=CharField()),
            "n": Count(count, distinct=count != "pk"),
        }

    parts = [
        FlowEnrolment.objects.filter(
            flow__code__in=RECOVERY_FLOWS, created_at__gte=start, created_at__lt=stop
        )
        .values(code=F("flow__code"))
        .annotate(**stage("entered")),
        Message.objects.filter(
            flow__in=RECOVERY_FLOWS, state=Message.State.SENT, sent_at__gte=start, sent_at__lt=stop
        )
        .values(code=F("flow"))
        .annotate(**stage("sent")),
        MessageActivity.objects.filter(
            message__flow__in=RECOVERY_FLOWS,
            kind=MessageActivity.Kind.CLICKED,
            is_scanner=False,
            occurred_at__gte=start,
            occurred_at__lt=stop,
        )
        .values(code=F("message__flow"))
        .annotate(**stage("clicked", "message_id")),
    ]
    if with_reviews:
        # A constant is left out of GROUP BY: one row counting the period's reviews.
        parts.append(
            Review.objects.filter(created_at__gte=start, created_at__lt=stop)
            .values(code=Value("reviews", output_field=CharField()))
            .annotate(**stage("reviews"))
        )
    rows = {code: FunnelRow(flow=code, label=str(Flow.Code(code).label)) for code in RECOVERY_FLOWS}
    reviews = ReviewRate(review_count=0, order_count=order_count) if with_reviews else None
    queries = [part.values_list("code", "stage", "n").order_by() for part in parts]
    for code, name, count in queries[0].union(*queries[1:], all=True):
        if name == "reviews":
            reviews.review_count = count
        else:
            setattr(rows[code], name, count)
    for row in attribution:
        if row.flow in rows:
            rows[row.flow].order_count += row.order_count
            rows[row.flow].revenue_amount += row.revenue_amount
    return list(rows.values()), reviews


def recovery_funnel(*, scope: Scope, attribution: list[AttributionRow]) -> list[FunnelRow]:
    return funnel_and_reviews(scope=scope, attribution=attribution, order_count=0)[0]


def review_rate(*, scope: Scope, order_count: int) -> ReviewRate | None:
    return funnel_and_reviews(scope=scope, attribution=[], order_count=order_count)[1]
