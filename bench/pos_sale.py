"""POS sales over HTTP against gunicorn, beside a bare DRF view doing one stock UPDATE.

One gunicorn (sync workers, the same settings for both sides: DEBUG off, the project's
middleware) serves the project's URLs plus ``bench/bench_site.py``'s bench-only baseline,
``POST /bench/bare/<id>/`` (no authentication, permission or throttle; one conditional
``UPDATE`` of a stock row). The client sends a fixed number of requests from a few threads
(stdlib ``http.client``), alternating the sides in phases (POS, bare, POS, bare) so drift
cancels out, and prints for each side requests/s, p50, p95 and errors, then POS/bare.

A sale is what a till sends: 3 lines, a known customer, cash with change, a fresh
``client_uuid`` each time, at a terminal with an open shift. Every sale must answer 201 and
the database must end up holding exactly one order per sale.

Needs PostgreSQL: ``DATABASE_URL=postgres://user@127.0.0.1:5432/postgres``. The script
creates its own database (``tiem_bench_<pid>``), migrates it, and drops it at the end, also
on failure. Without a PostgreSQL DATABASE_URL it says so and exits 0. Knobs (environment):
BENCH_WORKERS (default 2 x cores), BENCH_CONCURRENCY (default = workers), BENCH_REQUESTS
(per side, default 600, split over 2 phases).
"""

import json
import os
import sys
import uuid
from decimal import Decimal

from harness import (
    PER_PHASE,
    PHASES,
    WARMUP,
    Side,
    bench_database,
    close_connections,
    gunicorn_server,
    machine_line,
    postgres_url,
    run_load,
    side_line,
)

PRICES = {"BENCH-A": Decimal(85000), "BENCH-B": Decimal(450000), "BENCH-C": Decimal(120000)}
STOCK = 1_000_000
TOTAL = sum(PRICES.values())
TENDERED = Decimal(700_000) if TOTAL <= 700_000 else TOTAL


def main() -> int:
    database_url = postgres_url("pos_sale")
    if database_url is None:
        return 0

    with bench_database(
        database_url,
        f"tiem_bench_{os.getpid()}",
        extra_env={"API_THROTTLE_POS": "1000000/minute"},
    ) as database:
        fixture = set_up()
        queries = queries_per_request(fixture)
        if "--profile" in sys.argv:
            profile(fixture)
            return 0
        if "--in-process" in sys.argv:
            in_process(fixture)
            return 0
        # A GET on the bare view: 405, touches no table.
        probe = f"/bench/bare/{fixture['bare_id']}/"
        with gunicorn_server(database, probe=probe, expect=405) as port:
            sides = {
                "POS sale": Side("POS sale", lambda: as_post(pos_request(fixture))),
                "bare DRF": Side("bare DRF", lambda: as_post(bare_request(fixture))),
            }
            run_load(port, list(sides.values()))
            report(sides, queries, fixture)
        return 0 if all(side.ok for side in sides.values()) and fixture["consistent"] else 1


# --- Set-up and checks (Django in this process) -------------------------------------------


def set_up() -> dict:
    """A store with its POS channel and stock, a terminal with an open shift, a customer."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from config.roles import CASHIER, sync_roles
    from customers.services import customer_resolve
    from inventory.models import Category, Location, Product, StockLevel
    from inventory.services import (
        StockLine,
        sales_channel_upsert,
        staff_membership_add,
        stock_receive,
        variant_upsert,
    )
    from orders.services import shift_open, staff_pin_set, terminal_create

    store = Location.objects.create(code="bench-store", name="Bench store", kind="store")
    channel = sales_channel_upsert(
        code="pos-bench", name="POS bench", kind="pos", locations=[store]
    )
    category = Category.objects.create(slug="bench", name="Bench")
    product = Product.objects.create(slug="bench", name="Bench", category=category)
    for sku, price in [*PRICES.items(), ("BENCH-BARE", Decimal(1000))]:
        variant_upsert(product=product, sku=sku, price_amount=price, name=sku)
    stock_receive(
        location=store,
        lines=[StockLine(sku=sku, quantity=STOCK) for sku in [*PRICES, "BENCH-BARE"]],
    )
    terminal, token = terminal_create(location=store, name="Bench")
    if not Group.objects.filter(name=CASHIER).exists():
        sync_roles(apps)
    cashier = get_user_model().objects.create_user(username="bench-cashier", is_staff=True)
    cashier.groups.add(Group.objects.get(name=CASHIER))
    staff_pin_set(user=cashier, pin="2468")
    staff_membership_add(user=cashier, location=store)
    shift_open(
        terminal=terminal,
        cashier=cashier,
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(1_000_000),
    )
    customer = customer_resolve(phone="0909908089")
    bare = StockLevel.objects.get(variant__sku="BENCH-BARE", location=store)
    return {
        "token": token,
        "customer_id": customer.pk,
        "channel_id": channel.pk,
        "store_id": store.pk,
        "bare_id": bare.pk,
        "local_sales": 0,
    }


def queries_per_request(fixture: dict) -> dict:
    """SQL statements of one request of each side, through Django's test client (in process,
    the same middleware and settings as the server)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    # One sale first, uncounted: the channel's first order creates its number's row.
    path, body, headers = pos_request(fixture)
    client.post(path, body, content_type="application/json", headers=headers)
    fixture["local_sales"] += 1
    counts = {}
    for label, (path, body, headers) in {
        "POS sale": pos_request(fixture),
        "bare DRF": bare_request(fixture),
    }.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.post(path, body, content_type="application/json", headers=headers)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{label}: {response.status_code} {response.content[:500]!r}")
        counts[label] = len(captured.captured_queries)
    fixture["local_sales"] += 1
    return counts


def consistency(fixture: dict, sales: int) -> str:
    """One order per sale, and the stock the sales took."""
    from inventory.models import StockLevel
    from orders.models import Order

    orders = Order.objects.filter(channel_id=fixture["channel_id"]).count()
    on_hand = dict(
        StockLevel.objects.filter(
            location_id=fixture["store_id"], variant__sku__in=list(PRICES)
        ).values_list("variant__sku", "on_hand")
    )
    expected = fixture["local_sales"] + sales
    fixture["consistent"] = orders == expected and all(
        value == STOCK - expected for value in on_hand.values()
    )
    close_connections()
    verdict = "OK" if fixture["consistent"] else "MISMATCH"
    return (
        f"{orders} orders in the database for {expected} sales answered 201 "
        f"(incl. {fixture['local_sales']} in-process); on hand {sorted(on_hand.values())} "
        f"for {STOCK - expected} expected: {verdict}"
    )


def profile(fixture: dict, sales: int = 200) -> None:
    """``--profile``: the SQL of one sale, then ``sales`` sales in process (Django's test
    client, no HTTP) under cProfile: the functions with the most time of their own and
    inside them. No server is started."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")

    def sale() -> None:
        path, body, headers = pos_request(fixture)
        response = client.post(path, body, content_type="application/json", headers=headers)
        assert response.status_code == 201, response.content[:500]

    for _ in range(20):  # warm-up: imports, caches, connections
        sale()
    with CaptureQueriesContext(connection) as captured:
        sale()
    print(f"one sale: {len(captured.captured_queries)} SQL statements")
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"  {number:2}. {query['sql'][:150]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(sales):
        sale()
    profiler.disable()
    profiler.dump_stats(os.environ.get("BENCH_PROFILE_OUT", "/tmp/pos_sale.prof"))
    stats = pstats.Stats(profiler)
    print(f"{sales} sales in process, by cumulative time:")
    stats.sort_stats("cumulative").print_stats(40)
    print("by own time:")
    stats.sort_stats("tottime").print_stats(20)


def in_process(fixture: dict, requests: int = 300) -> None:
    """``--in-process``: both sides through Django's test client (no HTTP, no server, one
    thread), alternating, ``requests`` each after 20 warm-up: a quick, quiet proxy of the
    server's own cost per request while working on the sale."""
    import statistics
    import time

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    sides = {"POS sale": pos_request, "bare DRF": bare_request}
    times: dict[str, list[float]] = {label: [] for label in sides}
    for round_ in range(20 + requests):
        for label, request in sides.items():
            path, body, headers = request(fixture)
            started = time.perf_counter()
            response = client.post(path, body, content_type="application/json", headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 201), response.content[:500]
            if round_ >= 20:
                times[label].append(elapsed * 1000)
    for label, values in times.items():
        values.sort()
        print(
            f"{label:>9}: mean {statistics.fmean(values):.2f} ms, "
            f"p50 {values[len(values) // 2]:.2f}, p95 {values[int(len(values) * 0.95)]:.2f}"
        )
    pos, bare = (statistics.fmean(times[label]) for label in sides)
    print(f"   in process: bare / POS sale = {bare / pos:.0%}")


# --- Requests -----------------------------------------------------------------------------


def pos_request(fixture: dict) -> tuple[str, bytes, dict]:
    body = {
        "client_uuid": str(uuid.uuid4()),
        "customer_id": fixture["customer_id"],
        "lines": [{"sku": sku, "quantity": 1} for sku in PRICES],
        "payments": [{"method": "cash", "amount": str(TOTAL), "tendered_amount": str(TENDERED)}],
    }
    headers = {"Authorization": f"Bearer {fixture['token']}"}
    return "/api/v1/pos/sales/", json.dumps(body).encode(), headers


def bare_request(fixture: dict) -> tuple[str, bytes, dict]:
    return f"/bench/bare/{fixture['bare_id']}/", b"{}", {}


def as_post(request: tuple[str, bytes, dict]) -> tuple[str, str, bytes, dict]:
    """A request as the till sends it over HTTP: a JSON POST."""
    path, body, headers = request
    return "POST", path, body, {**headers, "Content-Type": "application/json"}


def report(sides: dict, queries: dict, fixture: dict) -> None:
    print(machine_line())
    print(
        f"load: {WARMUP} warm-up then {PHASES} x {PER_PHASE} requests per side, "
        f"alternating POS / bare; POS sale = 3 lines, a customer, cash, open shift"
    )
    for side in sides.values():
        print(side_line(side, queries[side.label]))
    pos, bare = sides["POS sale"].rate, sides["bare DRF"].rate
    ratio = pos / bare if bare else 0.0
    bare_p95 = sides["bare DRF"].p(0.95)
    p95_ratio = sides["POS sale"].p(0.95) / bare_p95 if bare_p95 else 0.0
    print(
        f"   ratio: POS sale / bare DRF = {ratio:.0%} (aim: >= 25 %, the goal 50 %); "
        f"p95 {p95_ratio:.1f}x the bare p95 (aim: <= 3x)"
    )
    print(f"   check: {consistency(fixture, sides['POS sale'].answered_2xx)}")


if __name__ == "__main__":
    sys.exit(main())
