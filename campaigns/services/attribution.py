"""Attribution: which message earned an order, read from the customer timeline.

An order placed on any channel (the web store, a POS that found the shopper by phone, a
marketplace order that landed on the same profile) is credited to the message whose
counted click came last before it (last touch), if that click lies inside the channel's
window (``MESSAGE_ATTRIBUTION_HOURS``: email 5 days, SMS 24 hours by default).

This is a consumer of the timeline (DESIGN.md: the timeline is the outbox). It walks
``customers.selectors.event_stream`` from a durable ``ConsumerCursor`` and writes the
``Attribution`` rows of a batch in the same transaction that moves the cursor, so an
event is never skipped or handled twice; an order is attributed at most once anyway
(``Attribution.order`` is unique).
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from campaigns.models import Attribution, ConsumerCursor, MessageActivity
from customers.models import Event
from customers.selectors import EventCursor, event_stream
from orders.models import Order

CONSUMER_NAME = "campaigns.attribution"
BATCH_SIZE = 500


def attribution_windows() -> dict[str, timedelta]:
    return {
        channel: timedelta(hours=hours)
        for channel, hours in settings.MESSAGE_ATTRIBUTION_HOURS.items()
    }


def attribution_click_find(*, customer, placed_at) -> MessageActivity | None:
    """The customer's last counted click before ``placed_at`` that is inside its window."""
    windows = attribution_windows()
    if not windows:
        return None
    clicks = (
        MessageActivity.objects.filter(
            kind=MessageActivity.Kind.CLICKED,
            is_scanner=False,
            message__customer=customer,
            message__channel__in=list(windows),
            occurred_at__lte=placed_at,
            occurred_at__gte=placed_at - max(windows.values()),
        )
        .select_related("message")
        .order_by("-occurred_at", "-id")
    )
    for click in clicks:
        if placed_at - click.occurred_at <= windows[click.message.channel]:
            return click
    return None


def _order_attribute(event: Event) -> Attribution | None:
    order_id = (event.payload or {}).get("order_id")
    if not isinstance(order_id, int) or Attribution.objects.filter(order_id=order_id).exists():
        return None
    click = attribution_click_find(customer=event.customer, placed_at=event.occurred_at)
    if click is None:
        return None
    order = Order.objects.filter(pk=order_id).select_related("channel").first()
    if order is None:
        return None
    try:
        total = Decimal(str(event.payload.get("total_amount", order.total_amount)))
    except InvalidOperation:
        total = order.total_amount
    return Attribution.objects.create(
        order=order,
        message=click.message,
        click=click,
        channel=click.message.channel,
        clicked_at=click.occurred_at,
        placed_at=event.occurred_at,
        total_amount=total,
        currency=order.currency,
        order_channel=order.channel.code,
    )


def attribution_consume(*, batch_size: int = BATCH_SIZE) -> int:
    """Read the next batch of timeline events and attribute the orders among them.

    Returns how many events were read (0: nothing new, or another run holds the cursor).
    A task calls it until it returns less than ``batch_size``.
    """
    with transaction.atomic(durable=True):
        cursor, _created = ConsumerCursor.objects.get_or_create(name=CONSUMER_NAME)
        events = list(event_stream(after=EventCursor.parse(cursor.position))[:batch_size])
        if not events:
            return 0
        # Move the cursor first, conditionally: the UPDATE takes the row's lock, so a
        # second run started at the same time waits here, then finds the position moved,
        # matches no row and writes nothing (its transaction holds no attribution yet).
        moved = ConsumerCursor.objects.filter(pk=cursor.pk, position=cursor.position).update(
            position=str(EventCursor.after(events[-1])), updated_at=timezone.now()
        )
        if not moved:
            return 0
        for event in events:
            if event.kind == Event.Kind.ORDER_PLACED:
                _order_attribute(event)
        return len(events)


def attribution_consume_all(*, batch_size: int = BATCH_SIZE) -> int:
    """Consume until the stream is drained; returns how many events were read."""
    total = 0
    while True:
        read = attribution_consume(batch_size=batch_size)
        total += read
        if read < batch_size:
            return total
