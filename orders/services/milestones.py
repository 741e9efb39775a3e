"""A customer's milestones: which of their orders was the first, a returning one, the
second, the first in a second sales channel (``orders.services.rollups`` counts them per
day and month).

They are a function of the customer's orders that are not cancelled, in id order
(:func:`customer_milestones`). An order joining or leaving them can only move the flags of
each channel's first two (:func:`milestone_orders`), so that is all a new order, a
cancellation or a return reads, whatever the length of the customer's history; on
PostgreSQL a till sale reads and walks them inside the rollups' own statement
(:func:`milestones_sql`).
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from config.compiled import CompiledQuery
from inventory.models import SalesChannel
from orders.models import Order
from orders.statuses import OrderStatus

MILESTONES = (
    "new_customer_count",
    "returning_order_count",
    "repeat_customer_count",
    "multichannel_customer_count",
)

# (order id, placed at, channel id, location id), in id order
OrderFacts = tuple[int, datetime, int, int | None]


def customer_milestones(orders: Iterable[OrderFacts]) -> dict[int, dict[str, int]]:
    """Which milestone each of one customer's orders (not cancelled, in id order) reached."""
    reached: dict[int, dict[str, int]] = {}
    channels: set[int] = set()
    for index, (order_id, _placed_at, channel_id, _location_id) in enumerate(orders):
        flags = {"new_customer_count": 1} if index == 0 else {"returning_order_count": 1}
        if index == 1:
            flags["repeat_customer_count"] = 1
        if channel_id not in channels:
            channels.add(channel_id)
            if len(channels) == 2:
                flags["multichannel_customer_count"] = 1
        reached[order_id] = flags
    return reached


def milestone_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The only ``orders`` (one customer's) whose milestones an order joining or leaving
    them can move, and a few more, in id order: each channel's first two.

    Every other order is a returning one before and after (it stays third or later, and
    not the first of its channel) so its flags cannot change. The first two of all are
    among these (the second is its channel's second, or another channel's first), so the
    walk over them gives every order read the flags the walk over all would: the ones it
    adds are third or later there too, and not their channel's first.

    Read through the ``(customer, channel, id)`` index: two entries per sales channel,
    whatever the length of the customer's history (a regular's next sale no longer reads
    all of their orders).
    """
    per_channel = orders.filter(channel=OuterRef("pk")).order_by("pk").values("pk")
    channels = SalesChannel.objects.order_by()
    picked = (
        channels.annotate(pick=Subquery(per_channel[:1]))
        .values("pick")
        .union(channels.annotate(pick=Subquery(per_channel[1:2])).values("pick"))
    )
    return (
        Order.objects.filter(pk__in=picked)
        .order_by("pk")
        .only("pk", "placed_at", "channel_id", "location_id")
    )


# The customer's other orders that are not cancelled: every order, cancellation and return
# with a customer reads them, so the query is compiled once per process.
_MILESTONE_ORDERS = CompiledQuery(
    lambda customer_id, order_id: milestone_orders(
        Order.objects.filter(customer_id=customer_id)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(pk=order_id)
    ),
    customer_id=-1,
    order_id=-2,
)


def milestone_orders_read(*, customer_id: int, order_id: int) -> list[OrderFacts]:
    """The facts of ``milestone_orders`` of the customer's orders that are not cancelled,
    ``order_id`` left out, in id order (one query, compiled once per process)."""
    return [
        (row.pk, row.placed_at, row.channel_id, row.location_id)
        for row in _MILESTONE_ORDERS.run(customer_id=customer_id, order_id=order_id)
    ]


def milestones_sql(order: Order) -> tuple[str, list]:
    """``WITH`` parts (text, parameters) reading the milestone orders of ``order``'s
    customer (``_MILESTONE_ORDERS``: the order itself left out) and walking them in id
    order without and with ``order``, as ``rollups._milestone_rows`` does in Python: ``m_days``
    has a row per day key whose milestones moved, the change in each, ``m_months`` the
    same per month. PostgreSQL only, in the statement that adds them (one read less)."""
    picked, params = _MILESTONE_ORDERS.sql(customer_id=order.customer_id, order_id=order.pk)
    sql = _MILESTONES_SQL.format(
        picked=picked, orders=connection.ops.quote_name(Order._meta.db_table)
    )
    return sql, [*params, order.pk, settings.SHOP_TIME_ZONE]


# Each order twice over, before (side -1: the others) and after (side 1: with the new one),
# numbered in id order overall and in its channel; a channel's first order whose channel
# is the second to appear makes the customer one of two channels. The flags summed with
# their side per day are the changes customer_milestones gives, order by order.
_MILESTONES_SQL = """
m_picked AS ({picked}),
m_sides AS (
    SELECT -1 AS side, id, placed_at, channel_id, location_id FROM m_picked
    UNION ALL SELECT 1, id, placed_at, channel_id, location_id FROM m_picked
    UNION ALL SELECT 1, id, placed_at, channel_id, location_id FROM {orders} WHERE id = %s
),
m_walk AS (
    SELECT side, id, placed_at, channel_id, location_id,
        row_number() OVER (PARTITION BY side ORDER BY id) AS n,
        row_number() OVER (PARTITION BY side, channel_id ORDER BY id) AS in_channel
    FROM m_sides
),
m_flags AS (
    SELECT side, placed_at, channel_id, location_id, n,
        in_channel = 1 AND sum((in_channel = 1)::int) OVER (PARTITION BY side ORDER BY id) = 2
            AS second_channel
    FROM m_walk
),
m_days AS (
    SELECT (placed_at AT TIME ZONE %s)::date AS "on", channel_id, location_id,
        COALESCE(location_id, 0) AS store_key,
        sum(side * (n = 1)::int) AS new_customer_count,
        sum(side * (n > 1)::int) AS returning_order_count,
        sum(side * (n = 2)::int) AS repeat_customer_count,
        sum(side * second_channel::int) AS multichannel_customer_count
    FROM m_flags GROUP BY 1, 2, 3
    HAVING (sum(side * (n = 1)::int), sum(side * (n > 1)::int), sum(side * (n = 2)::int),
        sum(side * second_channel::int)) <> (0, 0, 0, 0)
),
m_months AS (
    SELECT date_trunc('month', "on")::date AS "month", channel_id, location_id, store_key,
        sum(new_customer_count) AS new_customer_count,
        sum(returning_order_count) AS returning_order_count,
        sum(repeat_customer_count) AS repeat_customer_count,
        sum(multichannel_customer_count) AS multichannel_customer_count
    FROM m_days GROUP BY 1, 2, 3, 4
)"""
