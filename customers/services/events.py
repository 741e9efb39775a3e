"""Recording the timeline (the outbox). Callable inside the caller's transaction."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from customers.models import Customer, Event
from inventory.models import Location, SalesChannel


def event_record(
    *,
    customer: Customer,
    kind: str,
    payload: dict | None = None,
    channel: SalesChannel | None = None,
    location: Location | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append an event to the customer's timeline, in the caller's transaction.

    It is not atomic by itself on purpose: called inside an order's transaction, the event
    commits (or rolls back) with the order, so consumers never see an event for a change
    that did not happen. For an order, put in the payload what a person or a job needs:
    ``number``, ``channel``, ``total_amount``, ``currency`` and ``lines`` with
    ``variant_id``/``product_id``; ``order_completed`` events must list ``product_ids``
    (reviews use them to recognise a verified purchase).
    """
    if kind not in Event.Kind.values:
        raise ValueError(f"Unknown event kind {kind!r}.")
    if customer.merged_into_id:
        # Old links to a merged profile still work: the event lands on the surviving one.
        customer = Customer.objects.get(pk=customer.merged_into_id)
    # Erased profiles still get events (an order of theirs can still be completed or
    # returned); payloads must then carry no personal data, as for everyone.
    return Event.objects.create(
        customer=customer,
        kind=kind,
        payload=payload or {},
        channel=channel,
        location=location,
        occurred_at=occurred_at or timezone.now(),
    )


def event_record_many(
    *,
    kind: str,
    entries: Iterable[tuple[Customer, dict]],
    occurred_at: datetime | None = None,
    batch_size: int = 1000,
) -> list[Event]:
    """``event_record`` for many customers at once: the same rows (one ``kind``, one
    ``occurred_at``, a payload each), inserted with one ``bulk_create`` per ``batch_size``.

    In the caller's transaction, like ``event_record``: every row gets that transaction's
    ``tx_id`` (the column's database default), so the timeline's consumers see them together
    and only once it commits. Merged-away profiles' events land on the surviving profile
    (one query for all of them).
    """
    if kind not in Event.Kind.values:
        raise ValueError(f"Unknown event kind {kind!r}.")
    entries = list(entries)
    survivors = {
        customer.merged_into_id for customer, _payload in entries if customer.merged_into_id
    }
    survivor_of = Customer.objects.in_bulk(survivors) if survivors else {}
    when = occurred_at or timezone.now()
    events = [
        Event(
            customer=survivor_of[customer.merged_into_id] if customer.merged_into_id else customer,
            kind=kind,
            payload=payload or {},
            occurred_at=when,
        )
        for customer, payload in entries
    ]
    return Event.objects.bulk_create(events, batch_size=batch_size)


def event_record_several(
    *,
    customer: Customer,
    events: Iterable[tuple[str, dict, datetime | None]],
    channel: SalesChannel | None = None,
    location: Location | None = None,
) -> list[Event]:
    """Several :func:`event_record` of one customer (``(kind, payload, occurred_at)`` each,
    ``None`` for now) in one INSERT: an order placed and completed at once (a POS sale)."""
    events = list(events)
    for kind, _payload, _when in events:
        if kind not in Event.Kind.values:
            raise ValueError(f"Unknown event kind {kind!r}.")
    if customer.merged_into_id:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    now = timezone.now()
    return Event.objects.bulk_create(
        Event(
            customer=customer,
            kind=kind,
            payload=payload or {},
            channel=channel,
            location=location,
            occurred_at=when or now,
        )
        for kind, payload, when in events
    )
