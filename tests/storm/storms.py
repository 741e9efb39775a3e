"""Storms: many clients at once on the doors of one shop, and the figures that say whether
anything was oversold, counted twice or lost. Shared by the CI tests (tests/storm, small)
and ``bench/storm.py`` (long, against gunicorn).

The POS door is driven over HTTP (JSON through the API, as a till does); the web checkout
and the marketplace door through their services, as their views and webhooks call them.
"""

import http.client
import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.db import connection
from django.utils import timezone

ADDRESS = {"line1": "1 Lê Lợi", "city": "TP. Hồ Chí Minh"}
PRICE = Decimal(85000)
TIMEOUT = 60  # seconds per request


@dataclass
class Shop:
    """One store whose shelf the web store, a marketplace and the store's till sell from."""

    base_url: str
    token: str
    store_id: int
    web_id: int
    marketplace_id: int
    customer_id: int


@dataclass
class Figures:
    rounds: int = 0
    requests: int = 0
    granted: int = 0
    refused: int = 0
    oversold_units: int = 0
    duplicates: int = 0
    lost: int = 0
    unexpected: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def line(self) -> str:
        return (
            f"rounds={self.rounds} requests={self.requests} granted={self.granted} "
            f"refused={self.refused} oversold_units={self.oversold_units} "
            f"duplicates={self.duplicates} lost={self.lost} unexpected={len(self.unexpected)} "
            f"statuses={dict(sorted(self.statuses.items()))}"
        )


def shop_set_up(base_url: str) -> Shop:
    """Made through the services, as staff would make it."""
    from customers.services import customer_resolve
    from inventory.models import Location
    from inventory.services import sales_channel_upsert
    from orders.services import terminal_create

    store = Location.objects.create(code="storm", name="Storm store", kind="store")
    web = sales_channel_upsert(code="web-storm", name="Web", kind="web", locations=[store])
    marketplace = sales_channel_upsert(
        code="shopee-storm", name="Shopee", kind="marketplace", locations=[store]
    )
    sales_channel_upsert(code="pos-storm", name="POS", kind="pos", locations=[store])
    _terminal, token = terminal_create(location=store, name="Storm till")
    customer = customer_resolve(phone="0909908089")
    return Shop(
        base_url=base_url,
        token=token,
        store_id=store.pk,
        web_id=web.pk,
        marketplace_id=marketplace.pk,
        customer_id=customer.pk,
    )


def variant_stocked(shop: Shop, sku: str, units: int):
    from inventory.models import Category, Location, Product
    from inventory.services import StockLine, stock_receive, variant_upsert

    category, _ = Category.objects.get_or_create(slug="storm", defaults={"name": "Storm"})
    product = Product.objects.create(slug=sku.lower(), name=sku, category=category)
    variant = variant_upsert(product=product, sku=sku, price_amount=PRICE, name=sku)
    if units:
        store = Location.objects.get(pk=shop.store_id)
        stock_receive(location=store, lines=[StockLine(sku=sku, quantity=units)])
    return variant


def post_json(base_url: str, path: str, body: dict, token: str) -> tuple[int, dict]:
    status, answer, _headers = post_json_with_headers(base_url, path, body, token)
    return status, answer


def post_json_with_headers(
    base_url: str, path: str, body: dict, token: str
) -> tuple[int, dict, dict]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        raw = response.read()
        headers = dict(response.getheaders())
        try:
            return response.status, json.loads(raw), headers
        except ValueError:
            return response.status, {"raw": raw[:200].decode(errors="replace")}, headers
    finally:
        conn.close()


def sale_body(sku: str, *, client_uuid: str | None = None, customer_id=None) -> dict:
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "lines": [{"sku": sku, "quantity": 1}],
        "payments": [{"method": "card", "amount": str(PRICE)}],
        "customer_id": customer_id,
    }


# --- Three doors race for the last units ---------------------------------------------------


def last_units_round(shop: Shop, *, buyers: int, units: int, label: str) -> Figures:
    """``buyers`` at once, a third each at the web checkout, the marketplace and the till,
    for ``units`` units: exactly ``units`` are granted, the rest refused with
    ``insufficient_stock``, and the ledger still adds up."""
    from inventory.exceptions import InsufficientStock
    from inventory.models import SalesChannel, StockLevel
    from inventory.selectors import stock_drift_list
    from orders.models import Order
    from orders.services import (
        cart_get_or_create,
        cart_line_set,
        checkout_start,
        marketplace_order_ingest,
    )
    from orders.services.placing import LineInput

    sku = f"STORM-{label}"
    variant = variant_stocked(shop, sku, units)
    web = SalesChannel.objects.get(pk=shop.web_id)
    marketplace = SalesChannel.objects.get(pk=shop.marketplace_id)
    doors = ["web", "marketplace", "pos"]
    plan = [doors[n % 3] for n in range(buyers)]
    carts = {}
    for n, door in enumerate(plan):
        if door == "web":
            carts[n] = cart_get_or_create(channel=web)
            cart_line_set(cart=carts[n], variant_id=variant.pk, quantity=1)
    figures = Figures(rounds=1, requests=buyers)
    lock = threading.Lock()
    barrier = threading.Barrier(buyers)

    def buy(n: int, door: str) -> None:
        outcome = None
        try:
            barrier.wait()
            if door == "pos":
                status, body = post_json(
                    shop.base_url, "/api/v1/pos/sales/", sale_body(sku), shop.token
                )
                code = body.get("code")
                outcome = (
                    "granted" if status == 201
                    else "refused" if (status, code) == (409, "insufficient_stock")
                    else f"pos {status} {code}"
                )  # fmt: skip
            else:
                try:
                    if door == "web":
                        checkout_start(
                            cart=carts[n], contact_phone="0909908089", shipping_address=ADDRESS
                        )
                    else:
                        marketplace_order_ingest(
                            channel=marketplace,
                            external_ref=f"SHP-{label}-{n}",
                            lines=[LineInput(sku=sku, quantity=1, unit_price_amount=PRICE)],
                            placed_at=timezone.now(),
                            shipping_address=ADDRESS,
                        )
                    outcome = "granted"
                except InsufficientStock:
                    outcome = "refused"
        except Exception as error:  # counted as unexpected
            outcome = f"{door} {error!r}"
        finally:
            connection.close()
            with lock:
                known = outcome in ("granted", "refused")
                figures.statuses[f"{door}:{outcome if known else 'other'}"] += 1
                if outcome == "granted":
                    figures.granted += 1
                elif outcome == "refused":
                    figures.refused += 1
                else:
                    figures.unexpected.append(str(outcome))

    threads = [threading.Thread(target=buy, args=(n, door)) for n, door in enumerate(plan)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    level = StockLevel.objects.get(variant=variant, location_id=shop.store_id)
    figures.oversold_units = max(0, level.reserved - level.on_hand) + max(0, -level.on_hand)
    figures.oversold_units += max(0, figures.granted - units)
    # Every grant left a trace (an order or a held cart); none was counted twice.
    marketplace_orders = Order.objects.filter(channel=marketplace, lines__sku=sku).count()
    pos_orders = Order.objects.filter(lines__sku=sku, client_uuid__isnull=False).count()
    holds = level.reserved
    figures.lost = max(0, figures.granted - (pos_orders + holds))
    figures.duplicates = max(0, (pos_orders + holds) - figures.granted)
    if marketplace_orders > plan.count("marketplace"):
        figures.duplicates += marketplace_orders - plan.count("marketplace")
    drift = list(stock_drift_list())
    if drift:
        figures.unexpected.append(f"ledger drift: {drift}")
    return figures


# --- Replayed POS sales ------------------------------------------------------------------


def replay_storm(shop: Shop, *, sales: int, replays: int, workers: int) -> Figures:
    """``sales`` POS sales, each sent ``replays`` times at once (a till retrying after
    timeouts): each is recorded once, answered 201 once and 200 to every replay, with
    its points earned once and its units taken off the shelf once."""
    from customers.models import LoyaltyEntry
    from inventory.models import StockLevel, StockMovement
    from inventory.selectors import stock_drift_list
    from orders.models import Order

    sku = "STORM-REPLAY"
    variant = variant_stocked(shop, sku, sales)
    bodies = [sale_body(sku, customer_id=shop.customer_id) for _ in range(sales)]
    sends = [body for body in bodies for _ in range(replays)]
    answers: dict[str, list[int]] = {body["client_uuid"]: [] for body in bodies}
    figures = Figures(rounds=1, requests=len(sends))
    lock = threading.Lock()

    def send(body: dict) -> None:
        try:
            status, answer = post_json(shop.base_url, "/api/v1/pos/sales/", body, shop.token)
        except Exception as error:  # counted as unexpected
            status, answer = 0, {"error": repr(error)}
        with lock:
            answers[body["client_uuid"]].append(status)
            figures.statuses[status] += 1
            if status not in (200, 201):
                figures.unexpected.append(f"{status} {answer}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(send, sends))
    connection.close()

    created = Counter(statuses.count(201) for statuses in answers.values())
    figures.granted = created.get(1, 0)
    figures.duplicates = sum((count - 1) * sales_ for count, sales_ in created.items() if count > 1)
    orders = Order.objects.filter(client_uuid__in=list(answers)).count()
    figures.lost = sales - orders
    figures.duplicates += max(0, orders - sales)
    movements = StockMovement.objects.filter(stock_level__variant=variant, kind="sale").count()
    figures.duplicates += max(0, movements - sales)
    earned = LoyaltyEntry.objects.filter(customer_id=shop.customer_id, kind="earn").count()
    figures.duplicates += max(0, earned - orders)
    level = StockLevel.objects.get(variant=variant, location_id=shop.store_id)
    figures.oversold_units = max(0, -level.on_hand)
    if created.get(0):
        figures.unexpected.append(f"{created[0]} sales never answered 201")
    drift = list(stock_drift_list())
    if drift:
        figures.unexpected.append(f"ledger drift: {drift}")
    return figures



# --- Sales retried through a fault -------------------------------------------------------


@dataclass
class FaultFigures:
    seconds: float = 0
    statuses: Counter = field(default_factory=Counter)  # -1: the connection was refused
    problems: list[str] = field(default_factory=list)
    recorded: int = 0
    lost: int = 0
    duplicates: int = 0
    ledger_drift: int = 0

    @property
    def ok(self) -> bool:
        clean = set(self.statuses) <= {200, 201, 503, -1}
        return clean and not self.problems and (self.lost, self.duplicates) == (0, 0) and (
            self.ledger_drift == 0
        )

    def line(self) -> str:
        return (
            f"requests={sum(self.statuses.values())} "
            f"statuses={dict(sorted(self.statuses.items()))} recorded={self.recorded} "
            f"lost={self.lost} duplicates={self.duplicates} ledger_drift={self.ledger_drift} "
            f"problems={len(self.problems)} ({self.seconds:.0f} s)"
        )


def retrying_sales_storm(shop: Shop, *, sales: int, clients: int, fault, give_up=180):
    """``sales`` POS sales from ``clients`` tills, each retried with the same ``client_uuid``
    until answered 201 or 200 (after ``Retry-After`` on a 503, soon after a refused
    connection), while ``fault()`` runs in another thread. Anything but 201, 200 or a 503
    ``service_unavailable`` with ``Retry-After`` is a problem; then the database is counted."""
    import time

    from inventory.models import StockMovement
    from inventory.selectors import stock_drift_list
    from orders.models import Order

    sku = f"FAULT-{uuid.uuid4().hex[:6].upper()}"
    variant = variant_stocked(shop, sku, sales)
    connection.close()
    figures = FaultFigures()
    answered: set[str] = set()
    lock = threading.Lock()

    def note(status=None, problem=None):
        with lock:
            if status is not None:
                figures.statuses[status] += 1
            if problem:
                figures.problems.append(problem)

    def sell(n: int) -> None:
        body = sale_body(sku)
        deadline = time.monotonic() + give_up
        while time.monotonic() < deadline:
            try:
                status, answer, headers = post_json_with_headers(
                    shop.base_url, "/api/v1/pos/sales/", body, shop.token
                )
            except OSError:
                status, answer, headers = -1, {}, {}
            note(status)
            if status in (200, 201):
                with lock:
                    answered.add(body["client_uuid"])
                return
            if status == 503:
                if answer.get("code") != "service_unavailable" or not headers.get("Retry-After"):
                    note(problem=f"503 without the shape or Retry-After: {answer}")
                time.sleep(int(headers.get("Retry-After") or 1))
            elif status == -1:
                time.sleep(0.2)
            else:
                note(problem=f"{status} {json.dumps(answer)[:200]}")
                time.sleep(1)  # a till retries anyway; the problem is counted
        note(problem=f"sale {n} not answered within {give_up} s")

    started = time.monotonic()
    faulting = threading.Thread(target=fault)
    faulting.start()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(sell, range(sales)))
    faulting.join()
    figures.seconds = time.monotonic() - started

    connection.close()
    figures.recorded = Order.objects.filter(client_uuid__in=list(answered)).count()
    all_orders = Order.objects.filter(lines__sku=sku).count()
    movements = StockMovement.objects.filter(stock_level__variant=variant, kind="sale").count()
    figures.lost = sales - figures.recorded
    figures.duplicates = (all_orders - figures.recorded) + max(0, movements - all_orders)
    figures.ledger_drift = len(list(stock_drift_list()))
    return figures
