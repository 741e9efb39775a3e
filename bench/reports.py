"""The dashboard at 10,000 and 1,000,000 orders: its queries and its page, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/reports.py
    ... bench/reports.py --large          # also 1,000,000 orders (a minute or two to build)
    ... bench/reports.py --quick          # 2,000 and 10,000 orders, few repeats

For each size it draws that many orders (1 to 3 lines each over 500 products, across the web
store, two marketplaces and five stores' tills, spread over the 400 days up to today, a
customer for three orders in four, 3 % cancelled, some returned), loads the customers and
the order rows with COPY (so a page that scanned the orders would show it), adds the orders
up into the four rollups (day and month, per channel and per product, with the customers'
milestones) in Python and loads them with COPY, ANALYZEs, then times REPEATS runs of: the
dashboard's selectors for an owner over 30 days per day and 365 days per month, a store
manager's 30 days, and the whole page (30 and 365 days) through Django's test client. It
prints p50/p95 per size and the ratio of the largest size's p95 to the smallest's (the
issue asks for at most 1.5x from 10,000 to 1,000,000 orders).

Environment: REPEATS (30; 10 with --quick).
"""

import argparse
import io
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]
from harness import bench_database, percentile, postgres_url  # noqa: E402

PRODUCTS = 500
DAYS = 400
STORES = 5


def build_catalog():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from config.roles import OWNER, STORE_MANAGER
    from inventory.models import Location, SalesChannel, StaffMembership, Variant
    from inventory.services import (
        location_upsert,
        product_upsert,
        sales_channel_upsert,
        variant_upsert,
    )

    stores = [
        location_upsert(code=f"store-{n}", name=f"Cửa hàng {n}", kind=Location.Kind.STORE)
        for n in range(STORES)
    ]
    channels = [(sales_channel_upsert(code="web", name="Web", kind=SalesChannel.Kind.WEB,
                                      locations=stores), None)]  # fmt: skip
    for code in ("shopee", "lazada"):
        channel = sales_channel_upsert(
            code=code, name=code.title(), kind=SalesChannel.Kind.MARKETPLACE, locations=stores
        )
        channels.append((channel, None))
    for store in stores:
        channel = sales_channel_upsert(
            code=f"pos-{store.code}", name=f"POS {store.name}", kind=SalesChannel.Kind.POS,
            locations=[store],
        )  # fmt: skip
        channels.append((channel, store))
    for n in range(PRODUCTS):
        product = product_upsert(slug=f"bench-{n}", name=f"Sản phẩm {n}")
        variant_upsert(product=product, sku=f"BENCH-{n:04d}", price_amount=10_000 + 1_000 * n)
    variants = list(Variant.objects.order_by("pk").values_list("pk", "price_amount"))
    User = get_user_model()
    owner = User.objects.create(username="bench-owner", is_staff=True)
    owner.groups.add(Group.objects.get(name=OWNER))
    manager = User.objects.create(username="bench-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name=STORE_MANAGER))
    StaffMembership.objects.create(user=manager, location=stores[0])
    return channels, variants, owner, manager


def draw(orders: int, channels, variants, today: date, rng: random.Random):
    """``orders`` random orders: their rows (for COPY) and the four rollups' rows, keyed like
    the rollups. A customer's milestones follow the order rows' id order, as the service's."""
    order_rows = []
    by_channel = defaultdict(lambda: [0] * 9)  # FIGURES then the four milestones
    by_product = defaultdict(lambda: [0] * 5)
    customers = max(1, orders // 3)
    history: dict[int, list] = {}  # customer → [orders so far, channels so far]
    for n in range(orders):
        channel, store = channels[rng.randrange(len(channels))]
        if store is None and rng.random() < 0.2:
            store = channels[3 + rng.randrange(STORES)][1]  # a pick-up at a store
        day = today - timedelta(days=rng.randrange(DAYS))
        customer = rng.randrange(customers) if rng.random() < 0.75 else None
        cancelled = rng.random() < 0.03
        lines = {variants[rng.randrange(PRODUCTS)] for _ in range(rng.randint(1, 3))}
        units = [(variant_id, int(price), rng.randint(1, 3)) for variant_id, price in lines]
        total = sum(price * q for _, price, q in units)
        order_rows.append((n, channel.pk, store.pk if store else None, customer, day, total,
                           "cancelled" if cancelled else "completed"))  # fmt: skip
        if cancelled:
            continue
        key = (day, channel.pk, store.pk if store else None)
        returned = rng.random() < 0.05
        row = by_channel[key]
        row[0] += 1
        for variant_id, price, quantity in units:
            for target in (row, by_product[(*key, variant_id)]):
                target[1] += quantity
                target[2] += quantity * price
                if returned:
                    target[3] += 1
                    target[4] += price
            by_product[(*key, variant_id)][0] += 1
        if customer is not None:
            count, seen = history.setdefault(customer, [0, set()])
            row[5 if count == 0 else 6] += 1
            row[7] += count == 1
            if channel.pk not in seen:
                seen.add(channel.pk)
                row[8] += len(seen) == 2
            history[customer][0] += 1
    return order_rows, customers, by_channel, by_product


def months_of(rows: dict) -> dict:
    months = defaultdict(lambda: None)
    for (day, *rest), figures in rows.items():
        key = (day.replace(day=1), *rest)
        months[key] = (
            list(figures)
            if months[key] is None
            else [a + b for a, b in zip(months[key], figures, strict=True)]
        )
    return months


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_model(model, rows, given: tuple[str, ...]) -> None:
    """COPY ``rows`` (tuples of the ``given`` columns) into ``model``'s table, every other
    column (but the id, unless given) at its field's default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column in given]
    defaults = {f.column: _text(f.get_default()) for f in fields if f.column not in given}
    columns = [*given, *defaults]
    tail = "\t".join(defaults.values())
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {model._meta.db_table} ({quoted}) FROM STDIN") as copy:
            chunk = []
            for row in rows:
                chunk.append("\t".join(_text(v) for v in row) + ("\t" + tail if tail else ""))
                if len(chunk) == 10_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk = []
            if chunk:
                copy.write("\n".join(chunk) + "\n")
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def load(size: int, order_rows, customers: int, today: date) -> None:
    """The customers and orders of one size, replacing the previous size's."""
    from django.db import connection

    from customers.models import Customer
    from orders.models import Order

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE orders_order, customers_customer RESTART IDENTITY CASCADE")
    copy_model(
        Customer,
        ((n + 1, f"Khách {n}", now, now) for n in range(customers)),
        ("id", "full_name", "created_at", "updated_at"),
    )
    noon = clock(5, 0, tzinfo=UTC)  # noon in Hà Nội
    given = ("number", "channel_id", "location_id", "customer_id", "status", "fulfilment",
             "subtotal_amount", "total_amount", "placed_at", "received_at")  # fmt: skip
    rows = (
        (f"B{size}-{n}", channel_id, location_id, None if customer is None else customer + 1,
         status, "pickup" if location_id else "ship", total, total,
         datetime.combine(day, noon), now)
        for n, channel_id, location_id, customer, day, total, status in order_rows
    )  # fmt: skip
    copy_model(Order, rows, given)


def copy_rows(table: str, rows: dict, with_variant: bool, on: str = "on") -> None:
    from django.db import connection

    columns = [on, "channel_id", "location_id", "store_key"]
    columns += ["variant_id"] if with_variant else []
    columns += ["order_count", "units", "revenue_amount", "returned_units", "returned_amount"]
    if not with_variant:
        columns += ["new_customer_count", "returning_order_count", "repeat_customer_count",
                    "multichannel_customer_count"]  # fmt: skip
    buffer = io.StringIO()
    for key, figures in rows.items():
        on_day, channel_id, location_id, *variant = key
        values = [on_day.isoformat(), channel_id, "\\N" if location_id is None else location_id,
                  location_id or 0, *variant, *figures]  # fmt: skip
        buffer.write("\t".join(str(v) for v in values) + "\n")
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute(f"ANALYZE {table}")


def timed(call, repeats: int) -> list[float]:
    call()  # warm the caches and plans once
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def measures(owner, manager, today: date):
    from django.test import Client

    from inventory.selectors import staff_location_ids
    from reports import selectors
    from reports.views import report

    def dashboard(scope):
        report(scope)

    month = selectors.Scope(start=today - timedelta(days=29), end=today, grain="day")
    year = selectors.Scope(start=today - timedelta(days=364), end=today, grain="month")
    mine = selectors.Scope(start=month.start, end=today, location_ids=staff_location_ids(manager))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    return {
        "owner, 30 days per day (queries)": lambda: dashboard(month),
        "owner, 365 days per month (queries)": lambda: dashboard(year),
        "store manager, 30 days (queries)": lambda: dashboard(mine),
        "  365 days: sales_by_channel": lambda: selectors.sales_by_channel(scope=year),
        "  365 days: best_sellers": lambda: selectors.best_sellers(scope=year),
        "  365 days: customer_summary": lambda: selectors.customer_summary(
            scope=year,
            sales=selectors.Sales(total=selectors.ChannelRow(0, ""), channels=[], buckets=[]),
        ),
        "owner, 30 days: the whole page": lambda: client.get("/admin/reports/"),
        "owner, 365 days per month: the page": lambda: client.get(
            "/admin/reports/",
            {"start": year.start, "end": year.end, "grain": "month"},
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 1,000,000 orders")
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 orders")
    args = parser.parse_args()
    url = postgres_url("reports.py")
    if url is None:
        return 0
    sizes = [2_000, 10_000] if args.quick else [10_000] + ([1_000_000] if args.large else [])
    repeats = int(os.environ.get("REPEATS", 10 if args.quick else 30))
    name = f"tiem_bench_reports_{os.getpid()}"
    with bench_database(url, name, collectstatic=True):
        from django.db import connection

        channels, variants, owner, manager = build_catalog()
        today = date.today()
        results: dict[str, dict[int, list[float]]] = defaultdict(dict)
        rows = {}
        for size in sizes:
            started = time.perf_counter()
            order_rows, customers, by_channel, by_product = draw(
                size, channels, variants, today, random.Random(size)
            )
            load(size, order_rows, customers, today)
            copy_rows("orders_dailychannelsales", by_channel, False)
            copy_rows("orders_dailysales", by_product, True)
            copy_rows("orders_monthlychannelsales", months_of(by_channel), False, "month")
            copy_rows("orders_monthlysales", months_of(by_product), True, "month")
            rows[size] = (len(by_channel), len(by_product), time.perf_counter() - started)
            for label, call in measures(owner, manager, today).items():
                results[label][size] = timed(call, repeats)
        connection.close()
    print(f"reports.py: {repeats} runs each on PostgreSQL; times in ms")
    for size, (channel_rows, product_rows, seconds) in rows.items():
        print(f"  {size:>9,} orders (and their customers) loaded with COPY, {channel_rows:,} "
              f"channel-day rows, {product_rows:,} product-day rows and their months, "
              f"built in {seconds:.1f} s")  # fmt: skip
    header = "".join(f"{f'{size:,} orders p50/p95':>28}" for size in sizes)
    print(f"{'':40}{header}{'p95 ratio':>12}")
    for label, per_size in results.items():
        cells = "".join(
            f"{percentile(t, 0.50):>18.1f} /{percentile(t, 0.95):>8.1f}" for t in per_size.values()
        )
        first, last = per_size[sizes[0]], per_size[sizes[-1]]
        ratio = percentile(last, 0.95) / percentile(first, 0.95)
        print(f"{label:40}{cells}{ratio:>11.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
