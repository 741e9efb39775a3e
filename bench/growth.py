"""How the staff screens, the till's look-ups and the jobs grow with the shop.

Builds a shop with COPY (``copy_rows``: any model, its fields' Python defaults filled in,
one ``COPY ... FROM STDIN`` per table) and grows it through SCALES (orders and customers;
default 10,000 and 100,000; ``--large`` adds 1,000,000): N customers each with a phone,
N orders over three channels (web, marketplace, POS) with a line each, 5 N timeline
events, and min(N, 100,000) variants with barcodes. At each size it times, in process
(Django's test client through the project's middleware, DEBUG off), the median of
REPEAT (5) calls of:

- POS customer look-up by phone; POS product look-up by barcode and by text without
  accents ("thit trau");
- the admin's order list (first page), searched by phone and by order number; a
  customer's admin page with the timeline;
- a shopper's order history (``/account/orders/``);
- the event stream's consumer (``flows_consume`` over 2,000 new events: events/s);
- the POS offline catalog sync of every variant (pages of the maximum size: total time,
  and the peak of Python memory allocated while serving it, tracemalloc).

``ONLY="text,search by"`` measures only the rows whose label holds one of those words.

Prints one table, a column per size, and the ratio of the largest to the smallest. Needs
PostgreSQL (DATABASE_URL); creates and drops its own database.
"""

import os
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from harness import bench_database, postgres_url

LARGE = "--large" in sys.argv
SCALES = [
    int(n)
    for n in os.environ.get("SCALES", "10000,100000" + (",1000000" if LARGE else "")).split(",")
]
REPEAT = int(os.environ.get("REPEAT", 5))
MAX_VARIANTS = 100_000
EVENTS_PER_CUSTOMER = 5
# ONLY="text,search by": measure only the rows whose label holds one of these (any case).
ONLY = [part.strip().lower() for part in os.environ.get("ONLY", "").split(",") if part.strip()]


def wanted(label: str) -> bool:
    return not ONLY or any(part in label.lower() for part in ONLY)


def main() -> int:
    database_url = postgres_url("growth")
    if database_url is None:
        return 0
    with bench_database(
        database_url, f"tiem_bench_growth_{os.getpid()}", var_prefix="tiem-growth-"
    ):
        shop = set_up()
        rows: dict[str, list[str]] = {}
        built = {"customers": 0, "orders": 0, "variants": 0}
        for scale in SCALES:
            started = time.perf_counter()
            grow(shop, built, scale)
            build_seconds = time.perf_counter() - started
            print(f"built {scale:,} customers and orders in {build_seconds:.1f} s", flush=True)
            for label, figure in measure(shop, scale).items():
                rows.setdefault(label, []).append(figure)
        report(rows)
    return 0


# --- Building ------------------------------------------------------------------------------


def _copy_value(field, value):
    from django.db import connection

    if value is None:
        return None
    prepared = field.get_db_prep_save(value, connection)
    if hasattr(prepared, "dumps"):  # a JSON adapter
        return prepared.dumps(prepared.obj)
    return prepared


def copy_rows(model, rows) -> int:
    """COPY ``rows`` (dicts of field attname → value) into ``model``'s table; fields left
    out get their default (or NULL, or the time now for ``auto_now(_add)``)."""
    from django.db import connection

    now = datetime.now(UTC)
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.attname == "id") and field.db_default is _NOT_PROVIDED
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for field in fields:
                    if field.attname in row:
                        value = row[field.attname]
                    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                        value = now
                    else:  # its default; "" for text, None where NULL is allowed
                        value = field.get_default()
                    values.append(_copy_value(field, value))
                copy.write_row(values)
                count += 1
    return count


def _not_provided():
    from django.db.models.fields import NOT_PROVIDED

    return NOT_PROVIDED


_NOT_PROVIDED = None


def set_up() -> dict:
    """Channels, a store, a category, staff, a terminal with a shift; the shopper."""
    global _NOT_PROVIDED
    _NOT_PROVIDED = _not_provided()
    from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage

    # Plain static names in this process: the pages' static tags cost the same either way.
    staticfiles_storage._wrapped = StaticFilesStorage()
    from django.contrib.auth import get_user_model

    from inventory.models import Category, Location, Product
    from inventory.services import sales_channel_upsert
    from orders.services import terminal_create

    store = Location.objects.create(code="g-store", name="Showroom", kind="store")
    warehouse = Location.objects.create(code="g-kho", name="Kho", kind="warehouse")
    channels = {
        "web": sales_channel_upsert(code="web", name="Web", kind="web", locations=[warehouse]),
        "shopee": sales_channel_upsert(
            code="shopee", name="Shopee", kind="marketplace", locations=[warehouse]
        ),
        "pos": sales_channel_upsert(code="pos-g", name="POS", kind="pos", locations=[store]),
    }
    category = Category.objects.create(slug="g", name="Đặc sản")
    product = Product.objects.create(slug="g-0", name="Thịt trâu gác bếp", category=category)
    terminal, token = terminal_create(location=store, name="Quầy 1")
    admin = get_user_model().objects.create_superuser("g-admin", "admin@example.com", "x")
    shopper = get_user_model().objects.create_user("g-shopper", "shopper@example.com", "x")
    return {
        "store": store,
        "channels": channels,
        "category": category,
        "product": product,
        "terminal": terminal,
        "token": token,
        "admin": admin,
        "shopper": shopper,
    }


def phone(n: int) -> str:
    return f"+8490{n:07d}"


def grow(shop: dict, built: dict, scale: int) -> None:
    from customers.models import ContactPoint, Customer, Event
    from inventory.models import Product, Variant
    from orders.models import Order, OrderLine

    start, stop = built["customers"], scale
    base = datetime(2026, 1, 1, tzinfo=UTC)
    copy_rows(Customer, ({"full_name": f"Khách {n}"} for n in range(start, stop)))
    first_id = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
    customer_ids = range(first_id + start, first_id + stop)
    copy_rows(
        ContactPoint,
        (
            {"customer_id": cid, "kind": "phone", "value": phone(n)}
            for n, cid in zip(range(start, stop), customer_ids, strict=True)
        ),
    )
    if built["customers"] == 0:  # the shopper's profile: the first customer
        Customer.objects.filter(pk=first_id).update(user=shop["shopper"])
    variants_wanted = min(scale, MAX_VARIANTS)
    if variants_wanted > built["variants"]:
        products = range(built["variants"], variants_wanted)
        copy_rows(
            Product,
            (
                {
                    "slug": f"g-{n + 1}",
                    "name": f"Thịt trâu gác bếp {n}",
                    "name_en": f"Smoked buffalo {n}",
                    "category_id": shop["category"].pk,
                    "search_text": f"thit trau gac bep {n} smoked buffalo {n} g-{n}",
                }
                for n in products
            ),
        )
        product_ids = dict(Product.objects.values_list("slug", "pk"))
        copy_rows(
            Variant,
            (
                {
                    "product_id": product_ids[f"g-{n + 1}"],
                    "sku": f"G-{n}",
                    "barcode": f"{893000000000 + n}",
                    "name": "250 g",
                    "price_amount": Decimal(100000 + n % 50 * 1000),
                    # Older than the sync's lag window: the till may take it all at once.
                    "updated_at": base + timedelta(seconds=n),
                }
                for n in products
            ),
        )
        built["variants"] = variants_wanted
    channels = list(shop["channels"].values())
    variant_id = Variant.objects.values_list("pk", flat=True).first()
    copy_rows(
        Order,
        (
            {
                "number": f"{channels[n % 3].code.upper()}-{n:07d}",
                "channel_id": channels[n % 3].pk,
                "location_id": shop["store"].pk,
                "customer_id": customer_ids[n - start],
                "status": "completed",
                "fulfilment": "carry_out" if n % 3 == 2 else "ship",
                "currency": "VND",
                "subtotal_amount": Decimal(250000),
                "total_amount": Decimal(250000),
                "placed_at": base + timedelta(minutes=n),
                "client_uuid": uuid.uuid4() if n % 3 == 2 else None,
            }
            for n in range(start, stop)
        ),
    )
    order_ids = Order.objects.filter(number__endswith=f"-{start:07d}").values_list("pk", flat=True)
    first_order = order_ids[0]
    copy_rows(
        OrderLine,
        (
            {
                "order_id": first_order + (n - start),
                "variant_id": variant_id,
                "sku": "G-0",
                "name": "Thịt trâu 250 g",
                "quantity": 1,
                "unit_price_amount": Decimal(250000),
                "total_amount": Decimal(250000),
            }
            for n in range(start, stop)
        ),
    )
    copy_rows(
        Event,
        (
            {
                "customer_id": customer_ids[(n - start * EVENTS_PER_CUSTOMER) % (stop - start)],
                "kind": "product_viewed",
                "payload": {"product_id": 1},
                "occurred_at": base + timedelta(seconds=n),
            }
            for n in range(start * EVENTS_PER_CUSTOMER, stop * EVENTS_PER_CUSTOMER)
        ),
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    built["customers"] = built["orders"] = scale


# --- Measuring -----------------------------------------------------------------------------


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

    from customers.models import Customer
    from orders.models import Order

    till = {"Authorization": f"Bearer {shop['token']}"}
    api = Client(HTTP_HOST="127.0.0.1")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(shop["admin"])
    shopper = Client(HTTP_HOST="127.0.0.1")
    shopper.force_login(shop["shopper"])
    middle = scale // 2
    customer = Customer.objects.filter(contact_points__value=phone(middle)).get()
    number = Order.objects.filter(customer=customer).values_list("number", flat=True).get()
    barcode = 893000000000 + middle % MAX_VARIANTS
    calls = {
        "POS customer by phone (ms)": lambda: timed(
            lambda: get(api, f"/api/v1/pos/customers/lookup/?phone=090{middle:07d}", **till)
        ),
        "POS product by barcode (ms)": lambda: timed(
            lambda: get(api, f"/api/v1/pos/products/?barcode={barcode}", **till)
        ),
        "POS product by text, no accents (ms)": lambda: timed(
            lambda: get(api, "/api/v1/pos/products/?q=thit+trau+4242", **till)
        ),
        "POS product by SKU in lower case (ms)": lambda: timed(
            lambda: get(api, f"/api/v1/pos/products/?q=g-{middle % MAX_VARIANTS}", **till)
        ),
        "admin orders, first page (ms)": lambda: timed(lambda: get(staff, "/admin/orders/order/")),
        "admin orders, search by phone (ms)": lambda: timed(
            lambda: get(staff, f"/admin/orders/order/?q=090{middle:07d}")
        ),
        "admin orders, search by number (ms)": lambda: timed(
            lambda: get(staff, f"/admin/orders/order/?q={number}")
        ),
        "admin customer with timeline (ms)": lambda: timed(
            lambda: get(staff, f"/admin/customers/customer/{customer.pk}/change/")
        ),
        "shopper's order history (ms)": lambda: timed(lambda: get(shopper, "/account/orders/")),
        "event consumer (events/s)": consumer_rate,
    }
    figures = {label: call() for label, call in calls.items() if wanted(label)}
    if wanted("POS catalog sync, all variants (s)"):
        total, peak = catalog_sync(api, till)
        figures["POS catalog sync, all variants (s)"] = total
        figures["  its peak Python memory (MB)"] = peak
    return {label: f"{value:,.1f}" for label, value in figures.items()}


def consumer_rate(events: int = 2000) -> float:
    """Events/s of ``flows_consume`` over ``events`` new ones (product views of customers)."""
    from campaigns.flows.engine import flows_consume_all
    from customers.models import Customer, Event

    flows_consume_all()  # whatever the build left: not timed
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
    started = time.perf_counter()
    flows_consume_all()
    return len(ids) / (time.perf_counter() - started)


def catalog_sync(api, till) -> tuple[float, float]:
    """A full sync's time, then (a second sync: tracemalloc slows every allocation) the
    peak of Python memory allocated while serving it."""
    started = time.perf_counter()
    _walk_catalog(api, till)
    total = time.perf_counter() - started
    tracemalloc.start()
    _walk_catalog(api, till)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return total, peak / 1e6


def _walk_catalog(api, till) -> int:
    from orders.api.pos_catalog import CATALOG_PAGE_MAX

    since, seen = "", 0
    while True:
        page = get(api, f"/api/v1/pos/catalog/?limit={CATALOG_PAGE_MAX}&since={since}", **till)
        body = page.json()
        seen += len(body["results"])
        if not body.get("has_more"):
            return seen
        since = body["next_since"]


def report(rows: dict[str, list[str]]) -> None:
    print(
        f"machine: {os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.1f}; "
        f"in process, median of {REPEAT} calls; PostgreSQL at 127.0.0.1"
    )
    header = "| measure | " + " | ".join(f"{scale:,}" for scale in SCALES) + " |"
    print(header)
    print("|---" * (len(SCALES) + 1) + "|")
    for label, figures in rows.items():
        print(f"| {label} | " + " | ".join(figures) + " |")


if __name__ == "__main__":
    sys.exit(main())
