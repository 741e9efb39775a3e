"""The web store's product and category pages over HTTP against gunicorn, beside a static
hello view in the same server.

One gunicorn (sync workers, DEBUG off, the project's middleware, hashed static files)
serves the project's URLs plus ``bench/bench_site.py``'s bench-only ``GET /bench/hello/``
(no query, no template). The client sends GETs from a few threads (stdlib ``http.client``,
a guest: no cookies), alternating the sides in phases (product, category, hello, product,
...) so drift cancels out, and prints for each side requests/s, p50, p95, errors and the
SQL statements of one request, then each page's p95 against hello's (aim: at most 3x).

The catalog: BENCH_PRODUCTS products (default 1,000) of three variants, stocked in a
warehouse and two shops selling on the web, each with an image row; the product page has
reviews; the category page is a full page of 48 products out of a few hundred.

Needs PostgreSQL: ``DATABASE_URL=postgres://user@127.0.0.1:5432/postgres``. The script
creates its own database (``tiem_bench_pages_<pid>``), migrates it, and drops it at the end,
also on failure. Without a PostgreSQL DATABASE_URL it says so and exits 0. Knobs
(environment): BENCH_WORKERS (default 2 x cores), BENCH_CONCURRENCY (default = workers),
BENCH_REQUESTS (per side, default 600, split over 2 phases), BENCH_PRODUCTS.
"""

import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pos_sale import free_port, percentile, stop

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}

CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * CORES))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", WORKERS))
PHASES = 2
PER_SIDE = int(os.environ.get("BENCH_REQUESTS", 600))
PER_PHASE = max(CONCURRENCY, PER_SIDE // PHASES // CONCURRENCY * CONCURRENCY)
WARMUP = 10 * CONCURRENCY  # per side, before measuring
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 1000))
CATEGORIES = 4
REVIEWS = 30
REQUEST_TIMEOUT = 30  # seconds, per request
START_TIMEOUT = 60  # seconds for gunicorn to answer
PHASE_TIMEOUT = 120  # seconds; a phase that takes longer is a failure
AIM = 3.0  # a page's p95 at most this many times hello's


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(database_url)
    if parts.scheme not in POSTGRES_SCHEMES:
        print(
            "store_pages: SKIPPED, nothing measured: needs DATABASE_URL=postgres://... "
            "(PostgreSQL; it creates and drops its own database)."
        )
        return 0

    import psycopg

    name = f"tiem_bench_pages_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres", query="", fragment=""))
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    var_dir = tempfile.mkdtemp(prefix="tiem-bench-pages-")
    port = free_port()
    server_env = {
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH)]),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TIEM_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = None
    log = open(Path(var_dir) / "gunicorn.log", "w+b")  # noqa: SIM115 (closed in finally)
    try:
        os.environ.update(server_env)
        sys.path[:0] = [str(REPO), str(BENCH)]
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        # DEBUG off: pages name hashed static files, which need their manifest.
        call_command("collectstatic", verbosity=0, interactive=False)
        fixture = set_up()
        queries = queries_per_request(fixture)
        close_connections()

        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                str(REQUEST_TIMEOUT),
            ],
            cwd=REPO,
            env={**os.environ, **server_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(server, port)

        sides = {label: Side(label, path) for label, path in fixture["paths"].items()}
        for side in sides.values():
            run_phase(port, side, WARMUP, record=False)
        for _phase in range(PHASES):
            for side in sides.values():
                run_phase(port, side, PER_PHASE, record=True)

        report(sides, queries)
        return 0 if all(side.ok for side in sides.values()) else 1
    except Exception:
        if log.tell():
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
        raise
    finally:
        if server is not None:
            stop(server)
        log.close()
        close_connections()
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for path in sorted(Path(var_dir).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        Path(var_dir).rmdir()


# --- Set-up (Django in this process) -------------------------------------------------------


def set_up() -> dict:
    """The catalog, written in bulk (the services would take minutes for thousands of rows)
    and then given its search text by the catalog service."""
    from inventory.models import (
        Category,
        Location,
        Product,
        ProductImage,
        StockLevel,
        Variant,
    )
    from inventory.services import (
        StockLine,
        product_search_text_refresh,
        sales_channel_upsert,
        stock_receive,
    )

    warehouse = Location.objects.create(code="bench-kho", name="Kho", kind="warehouse")
    shops = [
        Location.objects.create(
            code=f"bench-shop-{n}", name=f"Showroom {n}", kind="store", accepts_pickup=True
        )
        for n in (1, 2)
    ]
    sales_channel_upsert(code="web", name="Web", kind="web", locations=[warehouse, *shops])
    categories = [
        Category.objects.create(slug=f"bench-{n}", name=f"Danh mục {n}", name_en=f"Category {n}")
        for n in range(CATEGORIES)
    ]
    products = Product.objects.bulk_create(
        Product(
            slug=f"san-pham-{n:05d}",
            name=f"Sản phẩm gác bếp {n:05d}",
            name_en=f"Smoked product {n:05d}",
            brand="Tiệm",
            description="Đặc sản Tây Bắc.",
            category=categories[n % CATEGORIES],
        )
        for n in range(PRODUCTS)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=product, image=f"products/{product.slug}.png") for product in products
    )
    variants = Variant.objects.bulk_create(
        Variant(
            product=product,
            sku=f"BENCH-{product.pk}-{size}",
            name=f"{size} g",
            price_amount=Decimal(50_000 + (product.pk % 40) * 5_000) * (1 + position),
            compare_at_amount=Decimal(400_000) if position == 0 and product.pk % 5 == 0 else None,
            position=position,
        )
        for product in products
        for position, size in enumerate((100, 250, 500))
    )
    product_search_text_refresh(product_ids=[product.pk for product in products])
    stock_receive(
        location=warehouse, lines=[StockLine(sku=variant.sku, quantity=30) for variant in variants]
    )
    for index, shop in enumerate(shops):
        stock_receive(
            location=shop,
            lines=[
                StockLine(sku=variant.sku, quantity=3)
                for number, variant in enumerate(variants)
                if number % 2 == index
            ],
        )
    featured = products[len(products) // 2]
    add_reviews(featured)
    assert StockLevel.objects.filter(variant__product=featured).count() >= 6
    return {
        "paths": {
            "product": f"/p/{featured.slug}/",
            "category": f"/c/{categories[0].slug}/",
            "hello": "/bench/hello/",
        }
    }


def add_reviews(product) -> None:
    from customers.models import Customer, Review

    customers = Customer.objects.bulk_create(
        Customer(full_name=f"Khách {n}") for n in range(REVIEWS)
    )
    Review.objects.bulk_create(
        Review(
            customer=customer,
            product=product,
            rating=3 + n % 3,
            text="Ngon, đúng vị.",
            is_verified_purchase=n % 2 == 0,
            status=Review.Status.APPROVED,
        )
        for n, customer in enumerate(customers)
    )


def queries_per_request(fixture: dict) -> dict:
    """SQL statements of one request of each side, through Django's test client (in process,
    the same middleware and settings as the server), for a guest."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for label, path in fixture["paths"].items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{label}: {response.status_code} {response.content[:500]!r}")
        counts[label] = len(captured.captured_queries)
    return counts


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- Load -----------------------------------------------------------------------------------


class Side:
    def __init__(self, label: str, path: str):
        self.label = label
        self.path = path
        self.latencies: list[float] = []  # seconds
        self.elapsed = 0.0  # wall time of the measured phases
        self.sent = 0
        self.errors = 0
        self.statuses: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.sent > 0

    def p(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) * 1000


def run_phase(port: int, side: Side, count: int, *, record: bool) -> None:
    """``count`` GETs from CONCURRENCY threads, each on its own kept-alive connection."""
    per_thread = [count // CONCURRENCY + (i < count % CONCURRENCY) for i in range(CONCURRENCY)]
    deadline = time.monotonic() + PHASE_TIMEOUT

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        latencies, errors, statuses = [], 0, {}
        try:
            for _ in range(n):
                if time.monotonic() > deadline:
                    errors += 1
                    statuses["phase timeout"] = statuses.get("phase timeout", 0) + 1
                    continue
                started = time.perf_counter()
                try:
                    conn.request("GET", side.path, headers={"Accept-Language": "vi"})
                    response = conn.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    status = type(error).__name__
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status != "200":
                    errors += 1
        finally:
            conn.close()
        if record:
            with side.lock:
                side.latencies += latencies
                side.errors += errors
                side.sent += n
                for status, seen in statuses.items():
                    side.statuses[status] = side.statuses.get(status, 0) + seen

    threads = [threading.Thread(target=client, args=(n,)) for n in per_thread]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if record:
        side.elapsed += time.perf_counter() - started


def report(sides: dict, queries: dict) -> None:
    print(
        f"machine: {CORES} cores; gunicorn {WORKERS} sync workers; {CONCURRENCY} client threads "
        f"on the same machine; PostgreSQL at {urlsplit(os.environ['DATABASE_URL']).hostname}"
    )
    print(
        f"load: {WARMUP} warm-up then {PHASES} x {PER_PHASE} GETs per side, alternating; "
        f"a guest; catalog of {PRODUCTS} products x 3 variants, category page = 48 of "
        f"{PRODUCTS // CATEGORIES}, product page = 3 variants, 2 shops, {REVIEWS} reviews"
    )
    for side in sides.values():
        rate = side.sent / side.elapsed if side.elapsed else 0.0
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(side.statuses.items()))
        print(
            f"{side.label:>9}: {rate:7.1f} req/s  p50 {side.p(0.50):6.1f} ms  "
            f"p95 {side.p(0.95):6.1f} ms  errors {side.errors}/{side.sent}  ({statuses}); "
            f"{queries[side.label]} SQL statements per request"
        )
    hello = sides["hello"]
    for label in ("product", "category"):
        side = sides[label]
        p50_ratio = side.p(0.50) / hello.p(0.50) if hello.p(0.50) else 0.0
        p95_ratio = side.p(0.95) / hello.p(0.95) if hello.p(0.95) else 0.0
        verdict = "within" if p95_ratio <= AIM else "ABOVE"
        print(
            f"   ratio: {label} / hello = p50 {p50_ratio:.1f}x, p95 {p95_ratio:.1f}x "
            f"({verdict} the aim of p95 <= {AIM:.0f}x)"
        )


def wait_until_up(server: subprocess.Popen, port: int) -> None:
    """Until gunicorn answers the hello view."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/bench/hello/")
            status = conn.getresponse().status
        except OSError:
            time.sleep(0.2)
            continue
        finally:
            conn.close()
        if status != 200:
            raise RuntimeError(f"the bench server answered {status} to its probe")
        return
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s")


if __name__ == "__main__":
    sys.exit(main())
