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

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}

CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * CORES))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", WORKERS))
PHASES = 2  # per side: POS, bare, POS, bare
PER_SIDE = int(os.environ.get("BENCH_REQUESTS", 600))
PER_PHASE = max(CONCURRENCY, PER_SIDE // PHASES // CONCURRENCY * CONCURRENCY)
WARMUP = 10 * CONCURRENCY  # per side, before measuring
REQUEST_TIMEOUT = 30  # seconds, per request
START_TIMEOUT = 60  # seconds for gunicorn to answer
PHASE_TIMEOUT = 120  # seconds; a phase that takes longer is a failure

PRICES = {"BENCH-A": Decimal(85000), "BENCH-B": Decimal(450000), "BENCH-C": Decimal(120000)}
STOCK = 1_000_000
TOTAL = sum(PRICES.values())
TENDERED = Decimal(700_000) if TOTAL <= 700_000 else TOTAL


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(database_url)
    if parts.scheme not in POSTGRES_SCHEMES:
        print(
            "pos_sale: SKIPPED, nothing measured: needs DATABASE_URL=postgres://... "
            "(PostgreSQL; it creates and drops its own database)."
        )
        return 0

    import psycopg

    name = f"tiem_bench_{os.getpid()}"
    maintenance = urlunsplit(parts._replace(path="/postgres", query="", fragment=""))
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    var_dir = tempfile.mkdtemp(prefix="tiem-bench-")
    port = free_port()
    server_env = {
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH)]),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_POS": "1000000/minute",
        "TIEM_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = None
    log = open(Path(var_dir) / "gunicorn.log", "w+b")  # noqa: SIM115 (closed in finally)
    try:
        # Django in this process, on the bench database, for the set-up and the checks.
        os.environ.update(server_env)
        sys.path[:0] = [str(REPO), str(BENCH)]
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
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
        wait_until_up(server, port, fixture)

        sides = {
            "POS sale": Side("POS sale", lambda: pos_request(fixture)),
            "bare DRF": Side("bare DRF", lambda: bare_request(fixture)),
        }
        for side in sides.values():
            run_phase(port, side, WARMUP, record=False)
        for _phase in range(PHASES):
            for side in sides.values():
                run_phase(port, side, PER_PHASE, record=True)

        report(sides, queries, fixture)
        return 0 if all(side.ok for side in sides.values()) and fixture["consistent"] else 1
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


# --- Set-up and checks (Django in this process) -------------------------------------------


def set_up() -> dict:
    """A store with its POS channel and stock, a terminal with an open shift, a customer."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from config.roles import CASHIER, sync_roles
    from customers.services import customer_resolve
    from inventory.models import Category, Location, Product, StockLevel
    from inventory.services import StockLine, sales_channel_upsert, stock_receive, variant_upsert
    from orders.services import shift_open, terminal_create

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
    shift_open(
        terminal=terminal,
        cashier=cashier,
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


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


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


class Side:
    def __init__(self, label, make_request):
        self.label = label
        self.make_request = make_request
        self.latencies: list[float] = []  # seconds, successful and failed alike
        self.elapsed = 0.0  # wall time of the measured phases
        self.sent = 0
        self.errors = 0
        self.answered_2xx = 0  # warm-up included: what the database must hold
        self.statuses: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def ok(self) -> bool:
        return self.errors == 0 and self.sent > 0


def run_phase(port: int, side: Side, count: int, *, record: bool) -> None:
    """``count`` requests from CONCURRENCY threads, each on its own connection."""
    per_thread = [count // CONCURRENCY + (i < count % CONCURRENCY) for i in range(CONCURRENCY)]
    deadline = time.monotonic() + PHASE_TIMEOUT

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        latencies, errors, answered, statuses = [], 0, 0, {}
        try:
            for _ in range(n):
                if time.monotonic() > deadline:
                    errors += 1
                    statuses["phase timeout"] = statuses.get("phase timeout", 0) + 1
                    continue
                path, body, headers = side.make_request()
                headers = {**headers, "Content-Type": "application/json"}
                started = time.perf_counter()
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    status = type(error).__name__
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status.startswith("2"):
                    answered += 1
                else:
                    errors += 1
        finally:
            conn.close()
        with side.lock:
            side.answered_2xx += answered
            if record:
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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def report(sides: dict, queries: dict, fixture: dict) -> None:
    print(
        f"machine: {CORES} cores; gunicorn {WORKERS} sync workers; {CONCURRENCY} client threads "
        f"on the same machine; PostgreSQL at {urlsplit(os.environ['DATABASE_URL']).hostname}"
    )
    print(
        f"load: {WARMUP} warm-up then {PHASES} x {PER_PHASE} requests per side, "
        f"alternating POS / bare; POS sale = 3 lines, a customer, cash, open shift"
    )
    rates = {}
    for side in sides.values():
        rate = side.sent / side.elapsed if side.elapsed else 0.0
        rates[side.label] = rate
        p50 = percentile(side.latencies, 0.50) * 1000
        p95 = percentile(side.latencies, 0.95) * 1000
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(side.statuses.items()))
        print(
            f"{side.label:>9}: {rate:7.1f} req/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"errors {side.errors}/{side.sent}  ({statuses}); "
            f"{queries[side.label]} SQL statements per request"
        )
    ratio = rates["POS sale"] / rates["bare DRF"] if rates["bare DRF"] else 0.0
    print(f"   ratio: POS sale / bare DRF = {ratio:.0%} (aim: >= 50 %)")
    print(f"   check: {consistency(fixture, sides['POS sale'].answered_2xx)}")


# --- Server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(server: subprocess.Popen, port: int, fixture: dict) -> None:
    """Until gunicorn answers (a GET on the bare view: 405, touches no table)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", f"/bench/bare/{fixture['bare_id']}/")
            status = conn.getresponse().status
        except OSError:
            time.sleep(0.2)
            continue
        finally:
            conn.close()
        if status != 405:
            raise RuntimeError(f"the bench server answered {status} to its probe")
        return
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn this script started (its own session), SIGKILL if it lingers."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
