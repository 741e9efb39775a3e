"""Building the shop of ``bench/growth.py``: COPY into any model, the shop's fixtures, the
growth to a scale, and the database kept between runs (``GROWTH_DB``)."""

import os
import secrets
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

MAX_VARIANTS = 100_000
EVENTS_PER_CUSTOMER = 5
BASE = datetime(2026, 1, 1, tzinfo=UTC)


@contextmanager
def kept_database(database_url: str, name: str) -> Iterator[None]:
    """Like ``harness.bench_database``, but database ``name`` is created only if missing
    and never dropped: a later run resumes from what is built (a 1,000,000 shop takes
    20 minutes to build, and seconds to measure again)."""
    import psycopg

    parts = urlsplit(database_url)
    maintenance = urlunsplit(parts._replace(path="/postgres", query="", fragment=""))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    repo = Path(__file__).resolve().parents[2]
    os.environ.update(
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
        DJANGO_SETTINGS_MODULE="bench_site",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        TIEM_VAR_DIR=tempfile.mkdtemp(prefix="tiem-growth-"),
        LOG_LEVEL="WARNING",
    )
    sys.path[:0] = [str(repo), str(repo / "bench")]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    try:
        yield
    finally:
        connections.close_all()


# --- COPY ----------------------------------------------------------------------------------


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
    from django.db.models.fields import NOT_PROVIDED

    now = datetime.now(UTC)
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and field.attname == "id") and field.db_default is NOT_PROVIDED
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


# --- The shop ------------------------------------------------------------------------------


def set_up() -> dict:
    """Channels, a store, a category, staff, the shopper, the flows (the abandoned cart's
    on); a new terminal each run. Made once: a kept database has them already."""
    from django.contrib.staticfiles.storage import StaticFilesStorage, staticfiles_storage

    # Plain static names in this process: the pages' static tags cost the same either way.
    staticfiles_storage._wrapped = StaticFilesStorage()
    from django.contrib.auth import get_user_model

    from campaigns.flows.seeds import seed
    from campaigns.models import Flow, MessageTemplate
    from inventory.models import Category, Location, Product, SalesChannel
    from inventory.services import sales_channel_upsert
    from orders.services import terminal_create

    users = get_user_model().objects
    if not Location.objects.filter(code="g-store").exists():
        store = Location.objects.create(code="g-store", name="Showroom", kind="store")
        warehouse = Location.objects.create(code="g-kho", name="Kho", kind="warehouse")
        sales_channel_upsert(code="web", name="Web", kind="web", locations=[warehouse])
        sales_channel_upsert(
            code="shopee", name="Shopee", kind="marketplace", locations=[warehouse]
        )
        sales_channel_upsert(code="pos-g", name="POS", kind="pos", locations=[store])
        category = Category.objects.create(slug="g", name="Đặc sản")
        Product.objects.create(slug="g-0", name="Thịt trâu gác bếp", category=category)
        users.create_superuser("g-admin", "admin@example.com", "x")
        users.create_user("g-shopper", "shopper@example.com", "x")
        seed(Flow, MessageTemplate)
        Flow.objects.filter(code=Flow.Code.CART_ABANDONED).update(enabled=True)
    store = Location.objects.get(code="g-store")
    terminal, token = terminal_create(location=store, name=f"Quầy {uuid.uuid4().hex[:6]}")
    channels = {c.code: c for c in SalesChannel.objects.filter(code__in=["web", "shopee", "pos-g"])}
    return {
        "store": store,
        "channels": [channels["web"], channels["shopee"], channels["pos-g"]],
        "category": Category.objects.get(slug="g"),
        "terminal": terminal,
        "token": token,
        "admin": users.get(username="g-admin"),
        "shopper": users.get(username="g-shopper"),
    }


def built_so_far() -> dict:
    from customers.models import Customer
    from inventory.models import Variant

    return {"customers": Customer.objects.count(), "variants": Variant.objects.count()}


def phone(n: int) -> str:
    return f"+8490{n:07d}"


def first_customer_id() -> int:
    from customers.models import Customer

    return Customer.objects.order_by("pk").values_list("pk", flat=True)[0]


def grow(shop: dict, built: dict, scale: int, *, variants_only: bool = False) -> None:
    """Grow the shop to ``scale`` customers and orders (and min(scale, MAX_VARIANTS)
    variants); ``variants_only``: the variants alone."""
    _grow_variants(shop, built, min(scale, MAX_VARIANTS))
    if not variants_only and scale > built["customers"]:
        _grow_customers(shop, built["customers"], scale)
        built["customers"] = scale
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    consumer_to_head()


def _grow_variants(shop: dict, built: dict, wanted: int) -> None:
    from inventory.models import Product, Variant

    if wanted <= built["variants"]:
        return
    products = range(built["variants"], wanted)
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
                "updated_at": BASE + timedelta(seconds=n),
            }
            for n in products
        ),
    )
    built["variants"] = wanted


def _grow_customers(shop: dict, start: int, stop: int) -> None:
    """Customers ``start`` to ``stop``, each with a phone, an order with a line and
    EVENTS_PER_CUSTOMER timeline events."""
    from customers.models import ContactPoint, Customer, Event
    from inventory.models import Variant
    from orders.models import Order, OrderLine

    copy_rows(Customer, ({"full_name": f"Khách {n}"} for n in range(start, stop)))
    first_id = first_customer_id()
    customer_ids = range(first_id + start, first_id + stop)
    copy_rows(
        ContactPoint,
        (
            {"customer_id": cid, "kind": "phone", "value": phone(n)}
            for n, cid in zip(range(start, stop), customer_ids, strict=True)
        ),
    )
    if start == 0:  # the shopper's profile: the first customer
        Customer.objects.filter(pk=first_id).update(user=shop["shopper"])
    channels = shop["channels"]
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
                "placed_at": BASE + timedelta(minutes=n),
                "client_uuid": uuid.uuid4() if n % 3 == 2 else None,
            }
            for n in range(start, stop)
        ),
    )
    first_order = Order.objects.filter(number__endswith=f"-{start:07d}").values_list(
        "pk", flat=True
    )[0]
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
                "occurred_at": BASE + timedelta(seconds=n),
            }
            for n in range(start * EVENTS_PER_CUSTOMER, stop * EVENTS_PER_CUSTOMER)
        ),
    )


def consumer_to_head() -> None:
    """The flows consumer's cursor moved past the last event: what the build wrote is the
    shop's history, not new work (consuming 5,000,000 built events took over 35 minutes)."""
    from campaigns.flows.engine import CONSUMER_NAME
    from campaigns.models import ConsumerCursor
    from customers.models import Event
    from customers.selectors import EventCursor

    last = Event.objects.order_by("-tx_id", "-id").only("tx_id", "id").first()
    if last is not None:
        ConsumerCursor.objects.update_or_create(
            name=CONSUMER_NAME, defaults={"position": str(EventCursor.after(last))}
        )
