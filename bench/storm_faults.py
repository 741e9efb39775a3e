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
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import REPO, bench_database, close_connections, free_port, gunicorn_server

CLIENTS = int(os.environ.get("STORM_CLIENTS", 16))
SALES = int(os.environ.get("STORM_SALES", 300))
RESTARTS = int(os.environ.get("STORM_RESTARTS", 2))


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
        from tests.storm.storms import retrying_sales_storm, shop_set_up

        shop = shop_set_up("")
        close_connections()
        with gunicorn_server(database, probe="/api/v1/pos/terminal/", expect=401) as web_port:
            shop.base_url = f"http://127.0.0.1:{web_port}"

            def restart() -> None:
                for _ in range(RESTARTS):
                    time.sleep(3)
                    subprocess.run(
                        ["su", "postgres", "-s", "/bin/sh", "-c",
                         f"{pg_ctl} -l {data}/log -o '-p {port} -k {data}' -m fast restart"],
                        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )  # fmt: skip

            figures = retrying_sales_storm(shop, sales=SALES, clients=CLIENTS, fault=restart)
            print(
                f"PostgreSQL restarted {RESTARTS}x during {SALES} POS sales from {CLIENTS} "
                f"tills: {figures.line()}"
            )
            for problem in figures.problems[:10]:
                print(f"  problem: {problem}")
            return 0 if figures.ok else 1


if __name__ == "__main__":
    sys.exit(main())
