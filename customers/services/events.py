"""Recording the timeline (the outbox). Callable inside the caller's transaction."""

import json
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
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
    returning: bool = True,
) -> list[Event]:
    """``event_record`` for many customers at once: the same rows (one ``kind``, one
    ``occurred_at``, a payload each), inserted with one ``bulk_create`` per ``batch_size``.

    In the caller's transaction, like ``event_record``: every row gets that transaction's
    ``tx_id`` (the column's database default), so the timeline's consumers see them together
    and only once it commits. Merged-away profiles' events land on the surviving profile
    (one query for all of them).

    ``returning=False``: the caller needs no ``Event`` objects (the outbox's ``message_sent``
    events), so none are built: the same rows in one plain INSERT per ``batch_size``
    (``_events_insert``), without ``bulk_create``'s per-object Python; returns ``[]``.
    """
    if kind not in Event.Kind.values:
        raise ValueError(f"Unknown event kind {kind!r}.")
    entries = list(entries)
    when = occurred_at or timezone.now()
    if not returning:
        # The surviving profile is ``merged_into_id`` itself: no query needed.
        rows = [(customer.merged_into_id or customer.pk, payload) for customer, payload in entries]
        for start in range(0, len(rows), batch_size):
            _events_insert(kind=kind, rows=rows[start : start + batch_size], when=when)
        return []
    survivors = {
        customer.merged_into_id for customer, _payload in entries if customer.merged_into_id
    }
    survivor_of = Customer.objects.in_bulk(survivors) if survivors else {}
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


def _events_insert(*, kind: str, rows: list[tuple[int, dict]], when: datetime) -> None:
    """One INSERT of ``(customer id, payload)`` rows of one kind: the columns ``bulk_create``
    would write (``channel``/``location`` NULL, ``tx_id`` the database default), each value
    prepared by its field as the ORM's would be. PostgreSQL: ``unnest`` of two arrays, one
    statement whatever the count; elsewhere multi-row VALUES, split to the parameter limit."""
    if not rows:
        return
    meta, quote = Event._meta, connection.ops.quote_name
    payload_field = meta.get_field("payload")
    moment = meta.get_field("occurred_at").get_db_prep_save(when, connection)
    recorded = meta.get_field("recorded_at").get_db_prep_save(timezone.now(), connection)
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("customer", "kind", "occurred_at", "recorded_at", "payload")
    )
    # Identifiers from the model's meta only; every value is a parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    dumps = [json.dumps(payload or {}, cls=payload_field.encoder) for _pk, payload in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                head + "SELECT unnest(%s::bigint[]), %s, %s, %s, unnest(%s::text[])::jsonb",
                [[pk for pk, _payload in rows], kind, moment, recorded, dumps],
            )
            return
        limit = connection.features.max_query_params or len(rows) * 5
        size = max(limit // 5, 1)
        for start in range(0, len(rows), size):
            part = list(zip(rows[start : start + size], dumps[start : start + size], strict=True))
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            params = [
                each for (pk, _payload), dump in part for each in (pk, kind, moment, recorded, dump)
            ]
            cursor.execute(head + "VALUES " + values, params)


def event_insert_statement(
    *,
    kind: str,
    entries: list[tuple[Customer, dict]],
    refs: list[int],
    ref_filter: str,
    occurred_at: datetime | None = None,
) -> tuple[str, list]:
    """PostgreSQL only: ``event_record_many(returning=False)``'s INSERT as ``(sql, params)``,
    for a caller that runs it inside a larger statement of its own (a data-modifying CTE).

    The same rows (the surviving profile of a merged one, no ``channel``/``location``, the
    transaction's ``tx_id`` by the column default, each payload encoded by the field's
    encoder), read from ONE ``jsonb`` parameter: the SQL text does not grow with the rows, so
    the driver parses it once per process, and no array of payloads is quoted in Python.
    ``refs`` holds one id of the caller's per entry, seen as ``e.ref``; ``ref_filter`` is the
    caller's condition on it (``e.ref IN (SELECT id FROM upd)``, ``upd`` its own CTE): only
    the entries it keeps are inserted. SQL written by the caller, never a value.
    """
    if kind not in Event.Kind.values:
        raise ValueError(f"Unknown event kind {kind!r}.")
    if connection.vendor != "postgresql":
        raise NotImplementedError("event_insert_statement is PostgreSQL's (jsonb_array_elements).")
    meta, quote = Event._meta, connection.ops.quote_name
    moment = meta.get_field("occurred_at").get_db_prep_save(
        occurred_at or timezone.now(), connection
    )
    recorded = meta.get_field("recorded_at").get_db_prep_save(timezone.now(), connection)
    rows = [
        {"customer": customer.merged_into_id or customer.pk, "ref": ref, "payload": payload or {}}
        for (customer, payload), ref in zip(entries, refs, strict=True)
    ]
    document = json.dumps(rows, cls=meta.get_field("payload").encoder)
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("customer", "kind", "occurred_at", "recorded_at", "payload")
    )
    # Identifiers from the model's meta and the caller's own SQL; every value a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        "SELECT e.customer, %s, %s, %s, e.payload FROM ("
        "SELECT (j ->> 'customer')::bigint AS customer, (j ->> 'ref')::bigint AS ref, "
        "j -> 'payload' AS payload FROM jsonb_array_elements(%s::jsonb) AS r(j)"
        f") AS e WHERE {ref_filter}"
    )
    return sql, [kind, moment, recorded, document]


def event_rows(
    *,
    customer: Customer,
    events: Iterable[tuple[str, dict, datetime | None]],
    channel: SalesChannel | None = None,
    location: Location | None = None,
) -> list[Event]:
    """Several :func:`event_record` of one customer (``(kind, payload, occurred_at)`` each,
    ``None`` for now) as rows not yet written: for a caller that writes them with others in
    one statement (``config.inserts.rows_insert``), in its transaction. An order placed and
    completed at once (a sale at the till) writes its two events so."""
    events = list(events)
    for kind, _payload, _when in events:
        if kind not in Event.Kind.values:
            raise ValueError(f"Unknown event kind {kind!r}.")
    if customer.merged_into_id:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    now = timezone.now()
    return [
        Event(
            customer=customer,
            kind=kind,
            payload=payload or {},
            channel=channel,
            location=location,
            occurred_at=when or now,
        )
        for kind, payload, when in events
    ]
