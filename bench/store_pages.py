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

import os
import sys
from collections.abc import Callable
from decimal import Decimal

from harness import (
    PER_PHASE,
    PHASES,
    WARMUP,
    Request,
    Side,
    bench_database,
    gunicorn_server,
    machine_line,
    postgres_url,
    run_load,
    side_line,
)

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 1000))
CATEGORIES = 4
REVIEWS = 30
AIM = 3.0  # a page's p95 at most this many times hello's


def main() -> int:
    database_url = postgres_url("store_pages")
    if database_url is None:
        return 0

    with bench_database(
        database_url,
        f"tiem_bench_pages_{os.getpid()}",
        var_prefix="tiem-bench-pages-",
        collectstatic=True,
    ) as database:
        fixture = set_up()
        queries = queries_per_request(fixture)
        with gunicorn_server(database, probe="/bench/hello/", expect=200) as port:
            sides = {
                label: Side(label, guest_get(path), success=is_200)
                for label, path in fixture["paths"].items()
            }
            run_load(port, list(sides.values()))
            report(sides, queries)
        return 0 if all(side.ok for side in sides.values()) else 1


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


# --- Load -----------------------------------------------------------------------------------


def guest_get(path: str) -> Callable[[], Request]:
    """A guest's GET of ``path``: no cookies, Vietnamese."""
    request = ("GET", path, None, {"Accept-Language": "vi"})
    return lambda: request


def is_200(status: str) -> bool:
    return status == "200"


def report(sides: dict, queries: dict) -> None:
    print(machine_line())
    print(
        f"load: {WARMUP} warm-up then {PHASES} x {PER_PHASE} GETs per side, alternating; "
        f"a guest; catalog of {PRODUCTS} products x 3 variants, category page = 48 of "
        f"{PRODUCTS // CATEGORIES}, product page = 3 variants, 2 shops, {REVIEWS} reviews"
    )
    for side in sides.values():
        print(side_line(side, queries[side.label]))
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


if __name__ == "__main__":
    sys.exit(main())
