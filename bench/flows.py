"""A burst of carts going idle at once, swept by the flow engine, beside raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiem \
        .venv/bin/python bench/flows.py [--quick]

On a throwaway database (``harness.bench_database``), CARTS customers each put a jar in
the cart at 10:00 (one ``cart_updated`` event each, inserted by SQL). Then, timed:

1. *consume*: ``flows_consume`` reads the timeline from its cursor and enrols them all
   (one batch, one INSERT).
2. *exit sweep*: half the shoppers bought meanwhile (``order_placed``); ``flows_advance``
   in one pass over the partial index ends them (``ordered``) — beside a raw SQL UPDATE of
   the same rows.
3. *send sweep*: the other half get their evening email put in the outbox
   (``message_schedule_many``: channel ranking, render, insert once, for the whole batch)
   by the same job.

A burst of 100 carts goes first, then CARTS: each sweep's time and query count (flat).
``--quick``: 2,000 carts; the full run is 10,000.
"""

import os
import sys
import time
from datetime import UTC, datetime, timedelta

from harness import CORES, bench_database, close_connections, postgres_url

QUICK = "--quick" in sys.argv
CARTS = int(os.environ.get("CARTS", 2_000 if QUICK else 10_000))
AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


def prepare(carts: int):
    from customers.models import ContactPoint, Customer, Event

    customers = Customer.objects.bulk_create(
        [Customer(full_name=f"Khách {i}") for i in range(carts)], batch_size=2000
    )
    ContactPoint.objects.bulk_create(
        [ContactPoint(customer=c, kind="email", value=f"k{c.pk}@example.vn") for c in customers],
        batch_size=2000,
    )
    lines = [{"variant_id": 1, "product_id": 1, "sku": "MK-100G", "quantity": 1}]
    Event.objects.bulk_create(
        [
            Event(
                customer=c,
                kind="cart_updated",
                occurred_at=AT,
                payload={"cart_token": f"t{c.pk}", "lines": lines},
            )
            for c in customers
        ],
        batch_size=2000,
    )
    Event.objects.bulk_create(
        [
            Event(
                customer=c,
                kind="order_placed",
                occurred_at=AT + timedelta(hours=1),
                payload={"order_id": c.pk, "lines": lines},
            )
            for c in customers[: carts // 2]
        ],
        batch_size=2000,
    )


def wait_for_the_stream(timeout: float = 120) -> None:
    """Untimed: wait until ``event_stream`` hands out every prepared event. On a shared
    server a transaction of another session that started before them holds them back."""
    from customers.models import Event
    from customers.selectors import event_stream

    deadline = time.monotonic() + timeout
    while event_stream().count() < Event.objects.count():
        if time.monotonic() > deadline:
            raise SystemExit("the event stream did not reach the prepared events")
        time.sleep(0.1)


def burst(carts: int) -> None:
    """One burst of ``carts`` idle carts: consumed, then swept in one pass (timed, queries)."""
    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.flows.engine import flows_advance, flows_consume
    from campaigns.models import FlowEnrolment

    before = FlowEnrolment.objects.count()
    with time_machine.travel(AT + timedelta(hours=1, minutes=5), tick=False):
        prepare(carts)
    wait_for_the_stream()
    with time_machine.travel(AT + timedelta(hours=1, minutes=5), tick=False):
        started = time.perf_counter()
        read = flows_consume(batch_size=10 * carts)
        consumed = time.perf_counter() - started
    print(
        f"[{carts:,} carts] consume {read:,} events → "
        f"{FlowEnrolment.objects.count() - before:,} enrolments: {consumed:.2f} s"
    )
    with (
        time_machine.travel(AT + timedelta(hours=12), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        started = time.perf_counter()
        summary = flows_advance(batch_size=10 * carts)
        swept = time.perf_counter() - started
    inserts = sum(query["sql"].startswith("INSERT") for query in queries.captured_queries)
    print(
        f"[{carts:,} carts] sweep {summary.claimed:,} due enrolments in one pass: "
        f"{swept:.2f} s ({summary.counts}); {swept / max(summary.claimed, 1) * 1000:.2f} ms "
        f"each; {len(queries.captured_queries)} queries ({inserts} INSERTs)"
    )


def main() -> int:
    database_url = postgres_url("bench/flows.py")
    if database_url is None:
        return 0
    with bench_database(database_url, f"tiem_bench_flows_{os.getpid()}") as _database:
        from django.db import connection

        from campaigns.flows.seeds import seed
        from campaigns.models import Flow, MessageTemplate

        print(f"machine: {CORES} cores; PostgreSQL at {connection.settings_dict['HOST']}")
        print(f"mode: {'quick' if QUICK else 'full'}; {CARTS:,} carts (after a burst of 100)")
        seed(Flow, MessageTemplate)
        Flow.objects.filter(code="cart_abandoned").update(enabled=True)
        for size in (100, CARTS):
            burst(size)
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                "UPDATE campaigns_flowenrolment SET state = 'active', next_at = %s",
                [AT + timedelta(hours=5)],
            )
            raw = time.perf_counter() - started
        print(f"raw SQL UPDATE of the same rows ({CARTS + 100:,}): {raw:.2f} s")
        close_connections()
    return 0


if __name__ == "__main__":
    sys.exit(main())
