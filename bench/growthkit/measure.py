"""The rows of ``bench/growth.py``'s table, measured in process (Django's test client
through the project's middleware, DEBUG off)."""

import gc
import json
import os
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from growthkit.build import MAX_VARIANTS, copy_rows, first_customer_id, phone

REPEAT = int(os.environ.get("REPEAT", 5))
SWEEP_CARTS = int(os.environ.get("SWEEP_CARTS", 1000))
# ONLY="text,search by": measure only the rows whose label holds one of these (any case).
ONLY = [part.strip().lower() for part in os.environ.get("ONLY", "").split(",") if part.strip()]

CATALOG = "POS catalog sync, all variants (s)"
CATALOG_CPU = "  its CPU time in this process (s)"
CATALOG_MEMORY = "  its peak Python memory (MB)"
ENROL = f"abandoned carts: enrol {SWEEP_CARTS:,} new (ms)"
SWEEP = f"abandoned carts: sweep {SWEEP_CARTS:,} due (ms)"
LABELS = [
    "POS customer by phone (ms)",
    "POS product by barcode (ms)",
    "POS product by text, no accents (ms)",
    "POS product by SKU in lower case (ms)",
    "admin orders, first page (ms)",
    "admin orders, search by phone (ms)",
    "admin orders, search by number (ms)",
    "admin customer with timeline (ms)",
    "shopper's order history (ms)",
    "event consumer (events/s)",
    ENROL,
    SWEEP,
    CATALOG,
]


def wanted(label: str) -> bool:
    return not ONLY or any(part in label.lower() for part in ONLY)


def catalog_only() -> bool:
    """Only the catalog sync asked for: the build may skip customers and orders."""
    return all(not wanted(label) for label in LABELS if label != CATALOG)


def timed(call) -> float:
    """Median milliseconds of REPEAT calls (after one untimed)."""
    call()
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def get(client, path, **headers):
    response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.content[:300]!r}")
    return response


def measure(shop: dict, scale: int) -> dict[str, str]:
    from django.test import Client

    till = {"Authorization": f"Bearer {shop['token']}"}
    api = Client(HTTP_HOST="127.0.0.1")
    figures = {}
    if not catalog_only():
        figures.update(_pages(shop, scale, api, till))
    if wanted("event consumer (events/s)"):
        figures["event consumer (events/s)"] = consumer_rate()
    if wanted(ENROL) or wanted(SWEEP):
        enrol, sweep = abandoned_carts(scale)
        figures.update({ENROL: enrol, SWEEP: sweep})
    if wanted(CATALOG):
        figures[CATALOG], figures[CATALOG_CPU], figures[CATALOG_MEMORY] = catalog_sync(api, till)
    return {label: f"{value:,.1f}" for label, value in figures.items()}


def _pages(shop: dict, scale: int, api, till) -> dict[str, float]:
    from django.test import Client

    from customers.models import Customer
    from orders.models import Order

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(shop["admin"])
    shopper = Client(HTTP_HOST="127.0.0.1")
    shopper.force_login(shop["shopper"])
    middle = scale // 2
    customer = Customer.objects.filter(contact_points__value=phone(middle)).get()
    number = Order.objects.filter(customer=customer).values_list("number", flat=True).get()
    sku_n = middle % MAX_VARIANTS
    barcode = 893000000000 + sku_n
    till_paths = {
        "POS customer by phone (ms)": f"/api/v1/pos/customers/lookup/?phone=090{middle:07d}",
        "POS product by barcode (ms)": f"/api/v1/pos/products/?barcode={barcode}",
        "POS product by text, no accents (ms)": "/api/v1/pos/products/?q=thit+trau+4242",
        "POS product by SKU in lower case (ms)": f"/api/v1/pos/products/?q=g-{sku_n}",
    }
    figures = {
        label: timed(lambda path=path: get(api, path, **till))
        for label, path in till_paths.items()
        if wanted(label)
    }
    paths = {
        "admin orders, first page (ms)": (staff, "/admin/orders/order/"),
        "admin orders, search by phone (ms)": (staff, f"/admin/orders/order/?q=090{middle:07d}"),
        "admin orders, search by number (ms)": (staff, f"/admin/orders/order/?q={number}"),
        "admin customer with timeline (ms)": (
            staff,
            f"/admin/customers/customer/{customer.pk}/change/",
        ),
        "shopper's order history (ms)": (shopper, "/account/orders/"),
    }
    figures.update(
        (label, timed(lambda client=client, path=path: get(client, path)))
        for label, (client, path) in paths.items()
        if wanted(label)
    )
    return figures


def consumer_rate(events: int = 2000) -> float:
    """Events/s of ``flows_consume`` over ``events`` new ones (product views of customers).
    The build left the consumer's cursor at the head: it reads only these."""
    from campaigns.flows.engine import flows_consume_all
    from customers.models import Customer, Event

    ids = list(Customer.objects.order_by("-pk").values_list("pk", flat=True)[:events])
    now = datetime.now(UTC)
    copy_rows(
        Event,
        (
            {"customer_id": cid, "kind": "product_viewed", "payload": {"product_id": 1},
             "occurred_at": now}
            for cid in ids
        ),
    )  # fmt: skip
    stream_wait()
    started = time.perf_counter()
    read = flows_consume_all()
    seconds = time.perf_counter() - started
    if read != len(ids):
        raise RuntimeError(f"the consumer read {read:,} events, not the {len(ids):,} new ones")
    return read / seconds


def stream_wait(timeout: float = 600) -> None:
    """Untimed: wait until ``event_stream`` hands out the newest event. A transaction of
    another session on the server that started before it holds it back (a COPY of
    another bench on the same cluster)."""
    from customers.models import Event
    from customers.selectors import event_stream

    newest = Event.objects.order_by("-id").values_list("id", flat=True)[0]
    deadline = time.monotonic() + timeout
    while not event_stream().filter(id=newest).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the event stream did not reach the new events")
        time.sleep(0.2)


def abandoned_carts(scale: int) -> tuple[float, float]:
    """Median of REPEAT rounds: SWEEP_CARTS customers spread over the ``scale`` put a jar in
    the cart at 10:00 (Hà Nội), half of them order an hour later; timed, the flows consumer
    enrolling them (``flows_consume_all``), then at 22:00 the abandoned-cart sweep
    (``flows_advance`` until nothing is due: half exit as ordered, half get their evening
    message in the outbox). The rounds' enrolments are finished after each, so the next
    round sweeps its own carts only."""
    import time_machine

    from campaigns.flows.engine import flows_advance, flows_consume_all
    from campaigns.models import FlowEnrolment
    from customers.models import Event
    from inventory.models import Variant

    variant = Variant.objects.order_by("pk").values("pk", "product_id", "sku")[0]
    lines = [{"variant_id": variant["pk"], "product_id": variant["product_id"],
              "sku": variant["sku"], "quantity": 1}]  # fmt: skip
    latest = Event.objects.filter(kind=Event.Kind.CART_UPDATED).order_by("-occurred_at").first()
    day = (latest.occurred_at.date() if latest else datetime(2026, 11, 30).date()) + timedelta(1)
    first = first_customer_id()
    step = max(scale // SWEEP_CARTS, 1)
    enrols, sweeps, counts = [], [], {}
    for round_ in range(REPEAT):
        at = datetime(day.year, day.month, day.day, 3, tzinfo=UTC) + timedelta(days=round_)
        ids = [first + (k * step + round_) % scale for k in range(SWEEP_CARTS)]
        copy_rows(Event, _cart_events(ids, at, lines))
        stream_wait()
        with time_machine.travel(at + timedelta(hours=1, minutes=5), tick=False):
            started = time.perf_counter()
            read = flows_consume_all()
            enrols.append((time.perf_counter() - started) * 1000)
        if read != len(ids) + len(ids[::2]):
            raise RuntimeError(f"the consumer read {read:,} events, not the carts' and orders'")
        with time_machine.travel(at + timedelta(hours=12), tick=False):
            started = time.perf_counter()
            while (summary := flows_advance(now=at + timedelta(hours=12))).claimed:
                for outcome, count in summary.counts.items():
                    counts[outcome] = counts.get(outcome, 0) + count
            sweeps.append((time.perf_counter() - started) * 1000)
        FlowEnrolment.objects.filter(state=FlowEnrolment.State.ACTIVE).update(
            state=FlowEnrolment.State.COMPLETED, next_at=None
        )
    print(f"  [{scale:,}] abandoned carts, {REPEAT} rounds: {counts}", flush=True)
    return statistics.median(enrols), statistics.median(sweeps)


def _cart_events(ids: list[int], at: datetime, lines: list[dict]):
    for cid in ids:
        yield {
            "customer_id": cid,
            "kind": "cart_updated",
            "payload": {"cart_token": f"g{cid}-{at:%m%d}", "lines": lines},
            "occurred_at": at,
        }
    for cid in ids[::2]:
        yield {
            "customer_id": cid,
            "kind": "order_placed",
            "payload": {"order_id": cid, "lines": lines},
            "occurred_at": at + timedelta(hours=1),
        }


def catalog_sync(api, till) -> tuple[float, float, float]:
    """A full sync's time and the CPU time this process spent on it (the server's and the
    test client's; not PostgreSQL's): on a loaded machine the wall time is mostly waiting
    for a core. Then (a second sync: tracemalloc slows every allocation) the
    peak of Python memory allocated while serving one page. In that second walk the test
    client's side of each page (the response and its parsed JSON, in reference cycles) is
    collected before the next: otherwise the peak counts several pages of the client's
    garbage, however lean the server."""
    started, cpu = time.perf_counter(), time.process_time()
    _walk_catalog(api, till)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    _walk_catalog(api, till, collect=True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return total, cpu, peak / 1e6


def _walk_catalog(api, till, *, collect: bool = False) -> int:
    from orders.api.pos_catalog import CATALOG_PAGE_MAX

    since, seen = "", 0
    while True:
        page = get(api, f"/api/v1/pos/catalog/?limit={CATALOG_PAGE_MAX}&since={since}", **till)
        body = json.loads(page.content)
        seen += len(body["results"])
        if not body.get("has_more"):
            return seen
        since = body["next_since"]
        if collect:
            del page, body
            gc.collect()
