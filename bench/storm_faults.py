"""Fault storm: PostgreSQL restarted in the middle of a POS sales storm.

A private PostgreSQL cluster (initdb in a temporary folder, its own port, run as the
``postgres`` user; the machine's shared server is never touched), the project migrated on
it, gunicorn serving it. STORM_CLIENTS (default 16) tills send STORM_SALES (default 300)
sales, each retried with the same ``client_uuid`` until it is answered 201 or 200 (after
``Retry-After`` on a 503, at once after a refused connection), while the cluster is
restarted (``pg_ctl restart -m fast``) STORM_RESTARTS (default 2) times.

What must hold: no answer but 201, 200 or 503; every 503 carries ``Retry-After``; every
sale recorded exactly once (nothing lost, nothing doubled); the stock ledger adds up; the
web processes reconnect by themselves (the storm ends with every sale answered). Prints the
figures and exits 1 if any is wrong. Needs root (to run the cluster as ``postgres``) and
PostgreSQL's server binaries (``/usr/lib/postgresql/<version>/bin``).
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from harness import REPO, bench_database, close_connections, free_port, gunicorn_server

CLIENTS = int(os.environ.get("STORM_CLIENTS", 16))
SALES = int(os.environ.get("STORM_SALES", 300))
RESTARTS = int(os.environ.get("STORM_RESTARTS", 2))
GIVE_UP = 120  # seconds a sale keeps being retried


def pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def as_postgres(*command: str) -> None:
    subprocess.run(
        ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> int:
    binaries = pg_bin()
    if binaries is None or os.geteuid() != 0:
        print("storm_faults: SKIPPED, nothing measured: needs root and PostgreSQL's binaries.")
        return 0
    data = tempfile.mkdtemp(prefix="tiem-storm-pg-")
    shutil.chown(data, "postgres", "postgres")
    port = free_port()
    pg_ctl = f"{binaries}/pg_ctl -D {data} -w"
    as_postgres(f"{binaries}/initdb", "-D", data, "-A", "trust", "-U", "postgres")
    as_postgres(pg_ctl, "-l", f"{data}/log", "-o", f"'-p {port} -k {data}'", "start")
    try:
        return storm(f"postgres://postgres@127.0.0.1:{port}/postgres", pg_ctl, port, data)
    finally:
        close_connections()
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", f"{pg_ctl} -m immediate stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)


def storm(database_url: str, pg_ctl: str, port: int, data: str) -> int:
    with bench_database(
        database_url, "tiem_faults", extra_env={"API_THROTTLE_POS": "1000000/minute"}
    ) as database:
        sys.path.insert(0, str(REPO))
        from tests.storm.storms import (
            post_json_with_headers,
            sale_body,
            shop_set_up,
            variant_stocked,
        )

        shop = shop_set_up("")
        variant = variant_stocked(shop, "FAULT-1", SALES)
        close_connections()
        with gunicorn_server(database, probe="/api/v1/pos/terminal/", expect=401) as web_port:
            shop.base_url = f"http://127.0.0.1:{web_port}"
            statuses: Counter = Counter()
            problems: list[str] = []
            answered: dict[str, int] = {}
            lock = threading.Lock()

            def sell(n: int) -> None:
                body = sale_body("FAULT-1")
                deadline = time.monotonic() + GIVE_UP
                while time.monotonic() < deadline:
                    try:
                        status, answer, headers = post_json_with_headers(
                            shop.base_url, "/api/v1/pos/sales/", body, shop.token
                        )
                    except OSError:
                        status, answer, headers = -1, {}, {}
                    with lock:
                        statuses[status] += 1
                    if status in (200, 201):
                        with lock:
                            answered[body["client_uuid"]] = status
                        return
                    if status == 503:
                        if answer.get("code") != "service_unavailable" or not headers.get(
                            "Retry-After"
                        ):
                            with lock:
                                problems.append(f"503 {json.dumps(answer)[:200]}")
                        time.sleep(1)
                    elif status == -1:
                        time.sleep(0.2)
                    else:
                        with lock:
                            problems.append(f"{status} {json.dumps(answer)[:200]}")
                        return
                with lock:
                    problems.append(f"sale {n} not recorded within {GIVE_UP} s")

            def restart() -> None:
                for _ in range(RESTARTS):
                    time.sleep(3)
                    subprocess.run(
                        ["su", "postgres", "-s", "/bin/sh", "-c",
                         f"{pg_ctl} -l {data}/log -o '-p {port} -k {data}' -m fast restart"],
                        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )  # fmt: skip

            started = time.monotonic()
            restarter = threading.Thread(target=restart)
            restarter.start()
            with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
                list(pool.map(sell, range(SALES)))
            restarter.join()
            elapsed = time.monotonic() - started

            from inventory.models import StockLevel, StockMovement
            from inventory.selectors import stock_drift_list
            from orders.models import Order

            close_connections()
            orders = Order.objects.filter(client_uuid__in=list(answered)).count()
            all_orders = Order.objects.filter(lines__sku="FAULT-1").count()
            movements = StockMovement.objects.filter(
                stock_level__variant=variant, kind="sale"
            ).count()
            level = StockLevel.objects.get(variant=variant, location_id=shop.store_id)
            drift = list(stock_drift_list())
            lost = SALES - orders
            duplicates = (all_orders - orders) + max(0, movements - SALES)
            print(
                f"PostgreSQL restarted {RESTARTS}x during {SALES} POS sales from {CLIENTS} "
                f"clients ({elapsed:.0f} s): requests={sum(statuses.values())} "
                f"statuses={dict(sorted(statuses.items()))} (-1: connection refused) "
                f"recorded={orders} lost={lost} duplicates={duplicates} "
                f"on_hand={level.on_hand} ledger_drift={len(drift)} problems={len(problems)}"
            )
            for problem in problems[:10]:
                print(f"  problem: {problem}")
            clean = set(statuses) <= {200, 201, 503, -1}
            ok = clean and not problems and lost == 0 and duplicates == 0 and not drift
            return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
