"""Storms against gunicorn on PostgreSQL: many clients at once on the shop's doors, and the
figures that say whether anything was oversold, counted twice or lost.

- last units: STORM_BUYERS (default 64) buyers at once, a third each at the web checkout,
  the marketplace door and the POS API (HTTP), race for STORM_UNITS (default 10) units,
  STORM_ROUNDS (default 20) rounds;
- replays: STORM_SALES (default 500) POS sales, each sent 3 times at once from
  STORM_WORKERS (default 24) client threads.

The scenarios are the ones the CI runs small (tests/storm/storms.py). Prints one line of
figures per storm (rounds, requests, granted, refused, oversold units, duplicates, lost) and
exits 1 when any is wrong. Results and commands: docs/reliability.md.

Needs PostgreSQL: ``DATABASE_URL=postgres://user@127.0.0.1:5432/postgres``; the script
creates its own database (``tiem_storm_<pid>``) and drops it at the end.
"""

import os
import sys
import time

from harness import REPO, bench_database, close_connections, gunicorn_server, postgres_url
from harness import WORKERS as WORKER_PROCESSES

BUYERS = int(os.environ.get("STORM_BUYERS", 64))
UNITS = int(os.environ.get("STORM_UNITS", 10))
ROUNDS = int(os.environ.get("STORM_ROUNDS", 20))
SALES = int(os.environ.get("STORM_SALES", 500))
WORKERS = int(os.environ.get("STORM_WORKERS", 24))


def main() -> int:
    database_url = postgres_url("storm")
    if database_url is None:
        return 0
    with bench_database(
        database_url,
        f"tiem_storm_{os.getpid()}",
        extra_env={"API_THROTTLE_POS": "1000000/minute"},
    ) as database:
        sys.path.insert(0, str(REPO))
        from tests.storm.storms import Figures, last_units_round, replay_storm, shop_set_up

        shop = shop_set_up("")
        close_connections()
        with gunicorn_server(database, probe="/api/v1/pos/terminal/", expect=401) as port:
            shop.base_url = f"http://127.0.0.1:{port}"
            print(
                f"machine: {os.cpu_count()} cores; gunicorn {WORKER_PROCESSES} sync workers; "
                "PostgreSQL at 127.0.0.1; clients on the same machine"
            )
            ok = True

            started = time.monotonic()
            race = Figures()
            for n in range(ROUNDS):
                figures = last_units_round(shop, buyers=BUYERS, units=UNITS, label=f"R{n}")
                race.rounds += 1
                race.requests += figures.requests
                race.granted += figures.granted
                race.refused += figures.refused
                race.oversold_units += figures.oversold_units
                race.duplicates += figures.duplicates
                race.lost += figures.lost
                race.unexpected += figures.unexpected
                race.statuses.update(figures.statuses)
                ok &= figures.granted == UNITS and not figures.unexpected
            ok &= (race.oversold_units, race.duplicates, race.lost) == (0, 0, 0)
            print(f"last units ({BUYERS} buyers, {UNITS} units, "
                  f"{time.monotonic() - started:.0f} s): {race.line()}")  # fmt: skip

            started = time.monotonic()
            replays = replay_storm(shop, sales=SALES, replays=3, workers=WORKERS)
            ok &= not replays.unexpected and replays.granted == SALES
            ok &= (replays.oversold_units, replays.duplicates, replays.lost) == (0, 0, 0)
            print(f"replays ({SALES} sales x 3, {WORKERS} clients, "
                  f"{time.monotonic() - started:.0f} s): {replays.line()}")  # fmt: skip
            for problem in (race.unexpected + replays.unexpected)[:10]:
                print(f"  unexpected: {problem}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
