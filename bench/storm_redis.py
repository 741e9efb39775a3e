"""Fault storm: Redis stopped in the middle of a POS sales storm, then started again.

A private ``redis-server`` (its own port, no persistence; the machine's shared Redis is
never touched) is the cache (throttling) and the Celery broker of a gunicorn on PostgreSQL.
STORM_CLIENTS (default 16) tills send STORM_SALES (default 300) sales, each retried with
the same ``client_uuid`` until answered 201 or 200, while Redis is shut down for
STORM_REDIS_DOWN seconds (default 60) and started again.

What DESIGN.md promises ("checkout never waits for Redis"): no answer but 201, 200 or a 503
with ``Retry-After``; every sale recorded exactly once; the ledger adds up. Prints the
figures and exits 1 if any is wrong. Needs PostgreSQL (``DATABASE_URL``) and
``redis-server`` on the PATH.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import (
    REPO,
    bench_database,
    close_connections,
    free_port,
    gunicorn_server,
    postgres_url,
)

CLIENTS = int(os.environ.get("STORM_CLIENTS", 16))
SALES = int(os.environ.get("STORM_SALES", 300))
DOWN = int(os.environ.get("STORM_REDIS_DOWN", 60))


def redis_start(port: int, folder: str) -> subprocess.Popen:
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(50):
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True)
        if ping.stdout.strip() == b"PONG":
            return server
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def main() -> int:
    database_url = postgres_url("storm_redis")
    if database_url is None:
        return 0
    if shutil.which("redis-server") is None:
        print("storm_redis: SKIPPED, nothing measured: needs redis-server on the PATH.")
        return 0
    folder = tempfile.mkdtemp(prefix="tiem-storm-redis-")
    port = free_port()
    state = {"server": redis_start(port, folder)}
    try:
        with bench_database(
            database_url,
            f"tiem_storm_redis_{os.getpid()}",
            extra_env={
                "API_THROTTLE_POS": "1000000/minute",
                "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                "CELERY_QUEUE": f"tiem-storm-{os.getpid()}",
            },
        ) as database:
            sys.path.insert(0, str(REPO))
            from tests.storm.storms import retrying_sales_storm, shop_set_up

            shop = shop_set_up("")
            close_connections()
            with gunicorn_server(database, probe="/api/v1/pos/terminal/", expect=401) as web:
                shop.base_url = f"http://127.0.0.1:{web}"

                def outage() -> None:
                    time.sleep(3)
                    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"],
                                   capture_output=True)  # fmt: skip
                    state["server"].wait(timeout=10)
                    time.sleep(DOWN)
                    state["server"] = redis_start(port, folder)

                figures = retrying_sales_storm(
                    shop, sales=SALES, clients=CLIENTS, fault=outage, give_up=DOWN + 120
                )
                print(
                    f"Redis stopped for {DOWN} s during {SALES} POS sales from {CLIENTS} "
                    f"tills: {figures.line()}"
                )
                for problem in sorted(set(figures.problems))[:10]:
                    print(f"  problem: {problem}")
                return 0 if figures.ok else 1
    finally:
        server = state["server"]
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
