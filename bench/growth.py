"""How the staff screens, the till's look-ups and the jobs grow with the shop.

Builds a shop with COPY (``growthkit.build.copy_rows``: any model, its fields' Python
defaults filled in, one ``COPY ... FROM STDIN`` per table) and grows it through SCALES
(orders and customers; default 10,000 and 100,000; ``--large`` adds 1,000,000): N
customers each with a phone, N orders over three channels (web, marketplace, POS) with a
line each, 5 N timeline events, and min(N, 100,000) variants with barcodes. What the
build wrote is history: the flows consumer's cursor is moved past it. At each size it
times, in process (Django's test client through the project's middleware, DEBUG off), the
median of REPEAT (5) calls of (``growthkit.measure``):

- POS customer look-up by phone; POS product look-up by barcode, by text without accents
  ("thit trau") and by SKU in lower case;
- the admin's order list (first page), searched by phone and by order number; a
  customer's admin page with the timeline;
- a shopper's order history (``/account/orders/``);
- the event stream's consumer (``flows_consume`` over 2,000 new events: events/s);
- the abandoned carts: SWEEP_CARTS (1,000) customers spread over the N put a jar in the
  cart, half order an hour later; the consumer enrolling them, then the evening sweep
  (``flows_advance`` until nothing is due) — median of REPEAT rounds;
- the POS offline catalog sync of every variant (pages of the maximum size: total time,
  and the peak of Python memory allocated while serving it, tracemalloc).

``ONLY="text,search by"`` measures only the rows whose label holds one of those words;
``ONLY=catalog`` builds only the variants (a quick 100,000-variant sync:
``SCALES=100000 ONLY=catalog``).

``GROWTH_DB=<name>`` keeps the shop in that database (on DATABASE_URL's server) instead of
a throwaway one: a later run with the same name resumes from what is built, so a
1,000,000 shop is built once and measured again in minutes. Drop it by hand when done.

Prints one table, a column per size. Needs PostgreSQL (DATABASE_URL).
"""

import os
import sys
import time

from harness import bench_database, postgres_url

LARGE = "--large" in sys.argv
SCALES = [
    int(n)
    for n in os.environ.get("SCALES", "10000,100000" + (",1000000" if LARGE else "")).split(",")
]
KEPT = os.environ.get("GROWTH_DB", "")


def main() -> int:
    database_url = postgres_url("growth")
    if database_url is None:
        return 0
    if KEPT:
        from growthkit.build import kept_database

        database = kept_database(database_url, KEPT)
    else:
        database = bench_database(
            database_url, f"tiem_bench_growth_{os.getpid()}", var_prefix="tiem-growth-"
        )
    with database:
        from growthkit.build import built_so_far, grow, set_up
        from growthkit.measure import REPEAT, catalog_only, measure

        shop = set_up()
        built = built_so_far()
        rows: dict[str, list[str]] = {}
        for scale in SCALES:
            started = time.perf_counter()
            grow(shop, built, scale, variants_only=catalog_only())
            print(
                f"built {scale:,} (customers {built['customers']:,}, variants "
                f"{built['variants']:,}) in {time.perf_counter() - started:.1f} s; "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            for label, figure in measure(shop, scale).items():
                print(f"  [{scale:,}] {label}: {figure}", flush=True)
                rows.setdefault(label, []).append(figure)
        report(rows, REPEAT)
    return 0


def report(rows: dict[str, list[str]], repeat: int) -> None:
    print(
        f"machine: {os.cpu_count()} cores, shared; load average {os.getloadavg()[0]:.1f}; "
        f"in process, median of {repeat} calls; PostgreSQL at 127.0.0.1"
    )
    header = "| measure | " + " | ".join(f"{scale:,}" for scale in SCALES) + " |"
    print(header)
    print("|---" * (len(SCALES) + 1) + "|")
    for label, figures in rows.items():
        print(f"| {label} | " + " | ".join(figures) + " |")


if __name__ == "__main__":
    sys.exit(main())
