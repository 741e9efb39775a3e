"""Stock out to a marketplace under load: SKUS variants each change once over SECONDS, while
the stock sync job runs every SYNC_SECONDS against a simulated Lazada (real HTTP on
127.0.0.1, at most RATE calls a second, 50 SKUs a call). Prints listing updates pushed per
second, calls and batches, 429s, and the lag from our change to the platform showing the
new figure (p50 / p95 / max).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiem .venv/bin/python bench/marketplace_push.py
    ... bench/marketplace_push.py --quick     # 500 SKUs over 5 s

Environment: SKUS (10000), SECONDS (60), SYNC_SECONDS (1), RATE (20), CHANGERS (2).
"""

import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import bench_database, close_connections, percentile, postgres_url

QUICK = "--quick" in sys.argv
SKUS = int(os.environ.get("SKUS", 500 if QUICK else 10_000))
SECONDS = float(os.environ.get("SECONDS", 5 if QUICK else 60))
SYNC_SECONDS = float(os.environ.get("SYNC_SECONDS", 1))
RATE = float(os.environ.get("RATE", 20))
CHANGERS = int(os.environ.get("CHANGERS", 2))
SECRET = "bench-secret"  # the simulator's


def main() -> int:
    database_url = postgres_url("marketplace_push.py")
    if database_url is None:
        return 0
    credentials = {"lazada:BENCH": {"secret": SECRET, "access_token": "bench-token"}}
    with bench_database(
        database_url,
        "tiem_bench_marketplace_push",
        extra_env={"MARKETPLACE_CREDENTIALS": json.dumps(credentials)},
    ):
        return run()


def setup(sim):
    from inventory.models import Location, Product, SalesChannel, Variant
    from inventory.services import StockLine, location_upsert, sales_channel_upsert, stock_receive
    from orders.marketplaces.models import Listing, MarketplaceShop

    store = location_upsert(code="bench-wh", name="Bench warehouse", kind=Location.Kind.WAREHOUSE)
    channel = sales_channel_upsert(
        code="bench-lazada", name="Lazada", kind=SalesChannel.Kind.MARKETPLACE, locations=[store]
    )
    # Set-up only (not measured): thousands of variants in one statement, not one service
    # call each.
    product = Product.objects.create(slug="bench-push", name="Bench push")
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"PUSH-{n:05d}", name=str(n), price_amount=1000)
        for n in range(SKUS)
    )
    stock_receive(
        location=store,
        lines=[StockLine(sku=f"PUSH-{n:05d}", quantity=100) for n in range(SKUS)],
        reference="bench",
    )
    shop = MarketplaceShop.objects.create(
        platform="lazada", shop_id="BENCH", name="Bench Lazada", channel=channel,
        api_base_url=sim.url, partner_id=sim.partner_id, requests_per_second=int(RATE),
    )  # fmt: skip
    variants = dict(Variant.objects.filter(product=product).values_list("sku", "pk"))
    Listing.objects.bulk_create(
        Listing(
            shop=shop,
            item_id=str(n // 20),
            model_id=str(n),
            seller_sku=f"PUSH-{n:05d}",
            variant_id=variants[f"PUSH-{n:05d}"],
        )
        for n in range(SKUS)
    )
    for n in range(SKUS):
        sim.add_listing(str(n // 20), str(n), quantity=0, seller_sku=f"PUSH-{n:05d}")
    return store, shop


def run() -> int:
    from inventory.services import stock_adjust
    from orders.marketplaces.services import stock_sync
    from orders.marketplaces.simulator import SimulatedMarketplace

    sim = SimulatedMarketplace(
        platform="lazada", shop_id="BENCH", secret=SECRET, access_token="bench-token",
        rate_per_second=RATE,
    ).start()  # fmt: skip
    try:
        store, _shop = setup(sim)
        started = time.monotonic()
        while stock_sync()[_shop.pk].pushed:
            pass
        first_push = time.monotonic() - started
        assert all(listing.quantity == 100 for listing in sim.listings.values())
        calls_before, throttled_before = sim.stock_calls, sim.throttled

        changed_at: dict[str, float] = {}
        order = list(range(SKUS))
        random.Random(1).shuffle(order)
        done, stop, errors = threading.Event(), threading.Event(), []
        pushed = [0]

        def changer(part: list[int]):
            try:
                begin = time.monotonic()
                for index, n in enumerate(part):
                    due = begin + SECONDS * index / len(part)
                    time.sleep(max(0.0, due - time.monotonic()))
                    sku = f"PUSH-{n:05d}"
                    stock_adjust(location=store, sku=sku, quantity=-1, reason="bench sale")
                    changed_at[sku] = time.time()
            except Exception as error:
                errors.append(error)
            finally:
                close_connections()

        def syncer():
            try:
                while not stop.is_set():
                    tick = time.monotonic()
                    pushed[0] += sum(report.pushed for report in stock_sync().values())
                    if done.is_set() and all(
                        listing.quantity == 99 for listing in sim.listings.values()
                    ):
                        return
                    time.sleep(max(0.0, SYNC_SECONDS - (time.monotonic() - tick)))
            except Exception as error:
                errors.append(error)
            finally:
                close_connections()

        run_started = time.monotonic()
        sync_thread = threading.Thread(target=syncer)
        sync_thread.start()
        changers = [
            threading.Thread(target=changer, args=(order[i::CHANGERS],)) for i in range(CHANGERS)
        ]
        for thread in changers:
            thread.start()
        for thread in changers:
            thread.join()
        changes_took = time.monotonic() - run_started
        done.set()
        sync_thread.join(timeout=SECONDS + 120)
        stop.set()
        elapsed = time.monotonic() - run_started
        if errors:
            raise errors[0]
    finally:
        sim.stop()

    lags = []
    for n in range(SKUS):
        sku = f"PUSH-{n:05d}"
        listing = sim.listings[(str(n // 20), str(n))]
        shown = next((t for t, q in listing.history if q == 99 and t >= changed_at[sku] - 1), None)
        if shown is not None:
            lags.append(shown - changed_at[sku])
    calls = sim.stock_calls - calls_before
    print(
        f"marketplace_push.py{' --quick' if QUICK else ''}: {SKUS} SKUs each changed once over "
        f"{SECONDS:.0f} s; sync every {SYNC_SECONDS:g} s; simulated Lazada at {RATE:g} calls/s, "
        f"50 SKUs a call"
    )
    print(f"  first full push of {SKUS} listings: {first_push:.1f} s")
    print(
        f"  {SKUS} changes made in {changes_took:.1f} s ({SKUS / changes_took:.0f}/s); the last "
        f"one on the platform {elapsed - changes_took:.1f} s after the last change"
    )
    print(
        f"  pushed {pushed[0]} listing figures in {elapsed:.1f} s = {pushed[0] / elapsed:.0f}/s; "
        f"{calls} stock calls (batches, {pushed[0] / max(calls, 1):.1f} SKUs each), "
        f"{sim.throttled - throttled_before} answered 429"
    )
    print(
        f"  lag change -> platform: p50 {percentile(lags, 0.5):.2f} s, "
        f"p95 {percentile(lags, 0.95):.2f} s, max {max(lags):.2f} s "
        f"({len(lags)}/{SKUS} shown)"
    )
    return 0 if len(lags) == SKUS else 1


if __name__ == "__main__":
    sys.exit(main())
