"""What ``bench/pos_sale.py`` and ``bench/store_pages.py`` share: a throwaway PostgreSQL
database with Django set up on it in this process (``bench_database``), one gunicorn of
sync workers on the ``bench_site`` settings (``gunicorn_server``), a threaded load loop in
stdlib ``http.client`` alternating the sides in phases (``run_load``), percentiles and the
lines that describe the machine and each side.

Knobs (environment): BENCH_WORKERS (default 2 x cores), BENCH_CONCURRENCY (default =
workers), BENCH_REQUESTS (per side, default 600, split over PHASES phases).
"""

import sys

if __name__ == "__main__":
    # `make bench` runs every bench/*.py; this one is only a helper.
    print("harness.py: the library the benchmarks share; nothing to measure here.")
    sys.exit(0)

import http.client
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}

CORES = os.cpu_count() or 1
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * CORES))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", WORKERS))
PHASES = 2  # per side, alternating the sides
PER_SIDE = int(os.environ.get("BENCH_REQUESTS", 600))
PER_PHASE = max(CONCURRENCY, PER_SIDE // PHASES // CONCURRENCY * CONCURRENCY)
WARMUP = 10 * CONCURRENCY  # per side, before measuring
REQUEST_TIMEOUT = 30  # seconds, per request
START_TIMEOUT = 60  # seconds for gunicorn to answer
PHASE_TIMEOUT = 120  # seconds; a phase that takes longer is a failure


# --- Database and Django in this process ---------------------------------------------------


def postgres_url(script: str) -> str | None:
    """DATABASE_URL if it names PostgreSQL; otherwise says ``script`` is skipped, and None."""
    database_url = os.environ.get("DATABASE_URL", "")
    if urlsplit(database_url).scheme in POSTGRES_SCHEMES:
        return database_url
    print(
        f"{script}: SKIPPED, nothing measured: needs DATABASE_URL=postgres://... "
        "(PostgreSQL; it creates and drops its own database)."
    )
    return None


@dataclass
class BenchDatabase:
    name: str
    url: str
    var_dir: Path
    env: dict[str, str]  # the server's environment, also applied to this process


@contextmanager
def bench_database(
    database_url: str,
    name: str,
    *,
    var_prefix: str = "tiem-bench-",
    extra_env: dict[str, str] | None = None,
    collectstatic: bool = False,
) -> Iterator[BenchDatabase]:
    """Creates database ``name`` beside the one of ``database_url`` and a temporary var
    directory, sets up Django on them in this process (the bench_site settings, DEBUG off),
    migrates (and collects static files if asked), and drops both at the end, also on
    failure."""
    import psycopg

    parts = urlsplit(database_url)
    maintenance = urlunsplit(parts._replace(path="/postgres", query="", fragment=""))
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))
    var_dir = Path(tempfile.mkdtemp(prefix=var_prefix))
    env = {
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "bench_site",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(BENCH)]),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TIEM_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            os.environ.update(env)
            sys.path[:0] = [str(REPO), str(BENCH)]
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
            if collectstatic:
                # DEBUG off: pages name hashed static files, which need their manifest.
                call_command("collectstatic", verbosity=0, interactive=False)
            yield BenchDatabase(name=name, url=bench_url, var_dir=var_dir, env=env)
        finally:
            close_connections()
            with psycopg.connect(maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        for path in sorted(var_dir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        var_dir.rmdir()


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


# --- Server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(database: BenchDatabase, *, probe: str, expect: int) -> Iterator[int]:
    """One gunicorn of WORKERS sync workers on ``database``, in its own session, yielding
    its port once a GET on ``probe`` answers ``expect``. Stopped at the end; on failure the
    tail of its log goes to stderr."""
    close_connections()  # the set-up's; the server has its own
    port = free_port()
    server = None
    log = open(database.var_dir / "gunicorn.log", "w+b")  # noqa: SIM115 (closed in finally)
    try:
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
            env={**os.environ, **database.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(server, port, probe, expect)
        yield port
    except Exception:
        if log.tell():
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
        raise
    finally:
        if server is not None:
            stop(server)
        log.close()


def wait_until_up(server: subprocess.Popen, port: int, probe: str, expect: int) -> None:
    """Until gunicorn answers a GET on ``probe`` (with ``expect``, else it is a failure)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", probe)
            status = conn.getresponse().status
        except OSError:
            time.sleep(0.2)
            continue
        finally:
            conn.close()
        if status != expect:
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


# --- Load ---------------------------------------------------------------------------------

# A request: method, path, body, headers.
Request = tuple[str, str, bytes | None, dict[str, str]]


def is_2xx(status: str) -> bool:
    return status.startswith("2")


class Side:
    """One kind of request, and what the measured phases saw of it."""

    def __init__(
        self,
        label: str,
        make_request: Callable[[], Request],
        success: Callable[[str], bool] = is_2xx,
    ):
        self.label = label
        self.make_request = make_request
        self.success = success
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

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    def p(self, fraction: float) -> float:
        """A percentile of the latencies, in milliseconds."""
        return percentile(self.latencies, fraction) * 1000


def run_load(port: int, sides: list[Side]) -> None:
    """WARMUP requests per side, then PHASES x PER_PHASE measured ones per side, the sides
    alternating phase by phase so drift cancels out."""
    for side in sides:
        run_phase(port, side, WARMUP, record=False)
    for _phase in range(PHASES):
        for side in sides:
            run_phase(port, side, PER_PHASE, record=True)


def run_phase(port: int, side: Side, count: int, *, record: bool) -> None:
    """``count`` requests from CONCURRENCY threads, each on its own kept-alive connection."""
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
                method, path, body, headers = side.make_request()
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = str(response.status)
                except (OSError, http.client.HTTPException) as error:
                    conn.close()
                    status = type(error).__name__
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                answered += is_2xx(status)
                errors += not side.success(status)
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


# --- Figures ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def machine_line() -> str:
    return (
        f"machine: {CORES} cores; gunicorn {WORKERS} sync workers; {CONCURRENCY} client threads "
        f"on the same machine; PostgreSQL at {urlsplit(os.environ['DATABASE_URL']).hostname}"
    )


def side_line(side: Side, statements: int) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(side.statuses.items()))
    return (
        f"{side.label:>9}: {side.rate:7.1f} req/s  p50 {side.p(0.50):6.1f} ms  "
        f"p95 {side.p(0.95):6.1f} ms  errors {side.errors}/{side.sent}  ({statuses}); "
        f"{statements} SQL statements per request"
    )
