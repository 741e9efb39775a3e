"""Placing an order, whatever the channel: :mod:`.pricing` (lines, combos, discounts,
shipping, tenders) and :mod:`.writing` (the order, its lines, payments, points, events)."""

from orders.services.placing.pricing import (
    LineInput,
    PricedLine,
    Pricing,
    TenderInput,
    discounts_apply,
    lines_price,
    shipping_apply,
    tenders_check,
)
from orders.services.placing.writing import (
    order_completion_record,
    order_event_payload,
    order_points_earn,
    order_write,
    request_fingerprint,
)

__all__ = [
    "LineInput",
    "PricedLine",
    "Pricing",
    "TenderInput",
    "discounts_apply",
    "lines_price",
    "order_completion_record",
    "order_event_payload",
    "order_points_earn",
    "order_write",
    "request_fingerprint",
    "shipping_apply",
    "tenders_check",
]
