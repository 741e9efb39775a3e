"""32 concurrent allocators on one hot variant: the allocation service beside raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiem .venv/bin/python bench/allocation.py

Phase 1 runs ``stock_reserve`` (one unit, an order allocation) in 32 processes for a few
seconds; phase 2 runs, in 32 processes on the same database, a raw psycopg loop of the
same conditional UPDATE (``reserved = reserved + 1 WHERE on_hand >= reserved + 1``, one
autocommitted statement per allocation). It prints both rates and their ratio, then gives
every unit back through the services so the database stays consistent
(``manage.py inventory_verify`` passes afterwards). For context it also times, by raw
psycopg, the service's own single statement (which also inserts the reservation row),
so the cost of the SQL and the cost of the Python around it can be told apart: the statement
the service sends on its hot path, the conditional UPDATE of the hinted stock level and the
reservation INSERT (``RESERVE_HINTED_SQL`` in ``inventory/services/reservations/hot.py``).

The verdict is the median of ROUNDS runs (5), each a service phase then a raw phase (then
the context phase); every run's figures and ratio are printed.

Environment: ALLOCATORS (32), SECONDS (4 per phase), ROUNDS (5).
"""

import multiprocessing
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Production-like: DEBUG off (DEBUG records every query), a throwaway key.
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

ALLOCATORS = int(os.environ.get("ALLOCATORS", "32"))
SECONDS = float(os.environ.get("SECONDS", "4"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
AIM = 0.40  # the service at least this share of raw SQL, median of the runs
HOT_SKU = "BENCH-HOT"
RAW_SKU = "BENCH-RAW"
CONDITIONAL_UPDATE = (
    "UPDATE inventory_stocklevel SET reserved = reserved + 1 "
    "WHERE id = %s AND on_hand >= reserved + 1"
)


def setup_django():
    import django

    django.setup()


def prepare():
    from django.core.management import call_command

    from inventory.models import Location, SalesChannel, StockLevel
    from inventory.services import (
        StockLine,
        location_upsert,
        product_upsert,
        sales_channel_upsert,
        stock_receive,
        variant_upsert,
    )

    call_command("migrate", verbosity=0)
    store = location_upsert(code="bench-store", name="Bench store", kind=Location.Kind.STORE)
    channel = sales_channel_upsert(
        code="bench-web", name="Bench web", kind=SalesChannel.Kind.WEB, locations=[store]
    )
    product = product_upsert(slug="bench-hot", name="Bench hot product")
    for sku in (HOT_SKU, RAW_SKU):
        variant_upsert(product=product, sku=sku, price_amount=1000)
        level = StockLevel.objects.filter(variant__sku=sku, location=store).first()
        if level is None or level.on_hand - level.reserved < 10_000_000:
            stock_receive(
                location=store, lines=[StockLine(sku=sku, quantity=50_000_000)], reference="bench"
            )
    raw_level = StockLevel.objects.get(variant__sku=RAW_SKU, location=store)
    hot_level = StockLevel.objects.get(variant__sku=HOT_SKU, location=store)
    return channel.pk, raw_level.pk, (hot_level.pk, hot_level.variant_id)


def service_worker(worker, channel_pk, start_at, stop_at, results):
    from django.db import connection

    from inventory.exceptions import InsufficientStock
    from inventory.models import Reservation, SalesChannel
    from inventory.services import StockLine, stock_reserve

    channel = SalesChannel.objects.get(pk=channel_pk)
    lines = [StockLine(sku=HOT_SKU, quantity=1)]
    done = 0
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < stop_at:
        try:
            stock_reserve(
                channel=channel,
                lines=lines,
                reference=f"bench:{worker}",
                kind=Reservation.Kind.ALLOCATION,
            )
            done += 1
        except InsufficientStock:
            break
    connection.close()
    results.put(done)


def raw_worker(worker, dsn, level_pk, start_at, stop_at, results):
    import psycopg

    done = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.cursor()
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop_at:
            cursor.execute(CONDITIONAL_UPDATE, (level_pk,))
            done += cursor.rowcount
    results.put(done)


def statement_worker(worker, dsn, channel_pk, hot_level, start_at, stop_at, results):
    """For context only: the service's own hot statement (the conditional UPDATE of the
    hinted level plus the reservation INSERT), sent by raw psycopg with no Python around it."""
    from datetime import UTC, datetime

    import psycopg

    from inventory.services.reservations.hot import RESERVE_HINTED_SQL

    done = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.cursor()
        while time.time() < start_at:
            time.sleep(0.001)
        while time.time() < stop_at:
            cursor.execute(
                RESERVE_HINTED_SQL,
                {
                    "level": hot_level[0],
                    "variant": hot_level[1],
                    "channel": channel_pk,
                    "sku": HOT_SKU,
                    "quantity": 1,
                    "location": None,
                    "reference": f"bench:{worker}",
                    "kind": "allocation",
                    "status": "active",
                    "expires_at": None,
                    "now": datetime.now(UTC),
                },
            )
            done += cursor.rowcount
    results.put(done)


def run_phase(target, args):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0  # every process connected and waiting before the start
    stop_at = start_at + SECONDS
    processes = [
        context.Process(target=target, args=(worker, *args, start_at, stop_at, results))
        for worker in range(ALLOCATORS)
    ]
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    return total / SECONDS


def cleanup(raw_level_pk, raw_count):
    from django.db import connections
    from django.db.models import F

    from inventory.models import StockLevel
    from inventory.services import reservation_release

    connections.close_all()
    for worker in range(ALLOCATORS):
        reservation_release(reference=f"bench:{worker}")
    # The raw loop wrote no reservation rows; take its units back the same raw way.
    StockLevel.objects.filter(pk=raw_level_pk).update(reserved=F("reserved") - raw_count)


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/allocation.py needs DATABASE_URL=postgres://user@host:5432/name")
    setup_django()
    from django.db import connection, connections

    channel_pk, raw_level_pk, hot_level = prepare()
    db = connection.settings_dict
    dsn = (
        f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} "
        f"user={db['USER']} password={db['PASSWORD'] or ''}"
    )
    connections.close_all()  # children must not share the parent's connection

    from inventory.models import StockLevel

    raw_before = StockLevel.objects.get(pk=raw_level_pk).reserved
    connections.close_all()
    # Alternate the phases so neither always runs on a warmer (or busier) database.
    service_rates, raw_rates, statement_rates = [], [], []
    for _ in range(ROUNDS):
        service_rates.append(run_phase(service_worker, (channel_pk,)))
        raw_rates.append(run_phase(raw_worker, (dsn, raw_level_pk)))
        statement_rates.append(run_phase(statement_worker, (dsn, channel_pk, hot_level)))
    raw_count = StockLevel.objects.get(pk=raw_level_pk).reserved - raw_before
    ratios = [service / raw for service, raw in zip(service_rates, raw_rates, strict=True)]

    print(
        f"allocators: {ALLOCATORS} processes, {ROUNDS} runs of {SECONDS:g} s per phase, "
        "one hot variant"
    )
    for run, (service, raw, statement, ratio) in enumerate(
        zip(service_rates, raw_rates, statement_rates, ratios, strict=True), 1
    ):
        print(
            f"run {run}: service (stock_reserve) {service:7.0f}/s, raw psycopg conditional "
            f"UPDATE {raw:7.0f}/s, ratio {ratio:6.1%}; (context) the service's own statement "
            f"by raw psycopg {statement:7.0f}/s, service / that {service / statement:6.1%}"
        )
    median = statistics.median(ratios)
    verdict = "meets" if median >= AIM else "BELOW"
    print(f"median ratio service / raw over {ROUNDS} runs: {median:.1%} ({verdict} {AIM:.0%})")
    cleanup(raw_level_pk, raw_count)


if __name__ == "__main__":
    main()
