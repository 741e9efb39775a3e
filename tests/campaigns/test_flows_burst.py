"""A burst of carts going idle at once: one job, one pass over the index, flat queries.

The carts' owners all bought meanwhile, so the sweep only re-checks exits: what is
measured is the engine's own cost (reading the timeline, enrolling, finding the due rows,
reading the exits, ending them), not the outbox's cost per message (bench/flows.py
times a burst that sends).
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.flows.engine import CONSUMER_NAME, flows_advance, flows_consume
from campaigns.flows.seeds import seed
from campaigns.models import ConsumerCursor, Flow, FlowEnrolment, Message, MessageTemplate
from customers.models import ContactPoint, Customer, Event
from customers.selectors import EventCursor, event_stream

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def burst(n: int, start: int) -> None:
    """``n`` customers who put a jar in the cart at 10:00 and bought at 10:30."""
    customers = Customer.objects.bulk_create(
        [Customer(full_name=f"Khách {start + i}") for i in range(n)]
    )
    lines = [{"variant_id": 1, "product_id": 1, "sku": "MK-100G", "quantity": 1}]
    Event.objects.bulk_create(
        [
            Event(
                customer=customer,
                kind=Event.Kind.CART_UPDATED,
                occurred_at=AT,
                payload={"cart_token": f"t{customer.pk}", "lines": lines, "product_ids": [1]},
            )
            for customer in customers
        ]
        + [
            Event(
                customer=customer,
                kind=Event.Kind.ORDER_PLACED,
                occurred_at=AT + timedelta(minutes=30),
                payload={"order_id": customer.pk, "channel_kind": "pos", "lines": lines},
            )
            for customer in customers
        ]
    )


def wait_visible(count: int, timeout: float = 30) -> None:
    """On PostgreSQL another session's open transaction may hold the stream back a moment."""
    cursor = EventCursor.parse(ConsumerCursor.objects.get(name=CONSUMER_NAME).position)
    for _ in range(int(timeout / 0.05)):
        if event_stream(after=cursor).count() == count:
            return
        time.sleep(0.05)
    raise AssertionError("the burst's events never became visible")


def sweep(n: int, start: int, time_machine) -> tuple[int, int, int]:
    """Queries of (consume but its INSERTs, the enrolment INSERTs, advance)."""
    burst(n, start)
    wait_visible(2 * n)
    with CaptureQueriesContext(connection) as consumed:
        assert flows_consume(batch_size=10 * n) == 2 * n
    inserts = sum(query["sql"].startswith("INSERT") for query in consumed.captured_queries)
    time_machine.move_to(AT + timedelta(hours=10), tick=False)
    with CaptureQueriesContext(connection) as advanced:
        summary = flows_advance(batch_size=10 * n)
    assert (summary.claimed, summary.counts) == (n, {"ordered": n})
    return len(consumed.captured_queries) - inserts, inserts, len(advanced.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_idle_carts_is_swept_in_a_flat_number_of_queries(time_machine):
    # given: the cart flow on
    seed(Flow, MessageTemplate)
    Flow.objects.filter(code="cart_abandoned").update(enabled=True)
    ConsumerCursor.objects.create(name=CONSUMER_NAME)
    time_machine.move_to(AT, tick=False)

    # when: 100 carts go idle, then 1,000
    small = sweep(100, 0, time_machine)
    large = sweep(1000, 100, time_machine)

    # then: reading, enrolling and sweeping cost the same queries; the INSERT is one
    # statement (PostgreSQL) or as many as SQLite's parameter limit needs
    assert small[0] == large[0]
    assert small[2] == large[2] <= 6
    assert FlowEnrolment.objects.filter(state="exited", exit_reason="ordered").count() == 1100
    if connection.vendor == "postgresql":
        assert small[1] == large[1] == 1


def idle_carts(n: int, start: int) -> None:
    """``n`` customers with an email who put a jar in the cart at 10:00 and left it."""
    customers = Customer.objects.bulk_create(
        [Customer(full_name=f"Khách {start + i}") for i in range(n)]
    )
    ContactPoint.objects.bulk_create(
        [ContactPoint(customer=c, kind="email", value=f"k{c.pk}@example.vn") for c in customers]
    )
    lines = [{"variant_id": 1, "product_id": 1, "sku": "MK-100G", "quantity": 1}]
    Event.objects.bulk_create(
        [
            Event(
                customer=customer,
                kind=Event.Kind.CART_UPDATED,
                occurred_at=AT,
                payload={"cart_token": f"t{customer.pk}", "lines": lines, "product_ids": [1]},
            )
            for customer in customers
        ]
    )


def send_sweep(n: int, start: int, time_machine) -> tuple[int, int]:
    """The queries of the sweep that puts ``n`` evening emails in the outbox: (all but
    the INSERTs, the INSERTs)."""
    time_machine.move_to(AT, tick=False)
    idle_carts(n, start)
    wait_visible(n)
    assert flows_consume(batch_size=10 * n) == n
    time_machine.move_to(AT + timedelta(hours=10), tick=False)
    with CaptureQueriesContext(connection) as advanced:
        summary = flows_advance(batch_size=10 * n)
    assert (summary.claimed, summary.counts) == (n, {"sent": n})
    inserts = sum(query["sql"].startswith("INSERT") for query in advanced.captured_queries)
    return len(advanced.captured_queries) - inserts, inserts


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_idle_carts_that_send_is_swept_in_a_flat_number_of_queries(time_machine):
    # given: the cart flow on
    seed(Flow, MessageTemplate)
    Flow.objects.filter(code="cart_abandoned").update(enabled=True)
    ConsumerCursor.objects.create(name=CONSUMER_NAME)

    # when: 10 carts go idle and get their evening email, then 100
    small = send_sweep(10, 0, time_machine)
    large = send_sweep(100, 10, time_machine)

    # then: the same queries for ten times the messages (channel ranking, templates,
    # rendering and the outbox INSERT are per batch), and every message is in the outbox;
    # an INSERT is one statement (PostgreSQL) or as many as SQLite's parameter limit needs
    assert small[0] == large[0]
    if connection.vendor == "postgresql":
        assert small[1] == large[1] == 2  # the messages, their tracked links
    messages = Message.objects.filter(flow="cart_abandoned", step="1")
    assert messages.count() == 110
    assert set(messages.values_list("channel", "state")) == {("email", "pending")}
    assert all("/m/c/" in body for body in messages.values_list("body", flat=True))
    assert FlowEnrolment.objects.filter(state="active", next_step=1).count() == 110
