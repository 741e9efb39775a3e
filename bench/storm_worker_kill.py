"""Fault storm: a Celery worker SIGKILLed in the middle of the outbox's send job.

STORM_MESSAGES (default 1000) transactional SMS wait in the outbox; the send job
(``campaigns.tasks.send_due_transactional``, MESSAGE_BATCH_SIZE 25 a run) is enqueued once
per batch on a private Redis (its own ``redis-server`` and port; the machine's shared Redis
is never touched). A real ``celery worker`` (prefork, 2 processes, its own queue) starts;
once STORM_KILL_AFTER (default a third) of the messages are sent, the worker's whole process
group is SIGKILLed (a machine dying: no warm shutdown, no ack). Then the recovery sweep
(``campaigns.tasks.recover_stuck``, as beat runs it, here with the claims' timeout passed),
a second worker, and the send job enqueued again (as beat would) until nothing is due.

The transport is the development SMS log (``LogSmsTransport``: one JSON line per message
handed to it, a record on the provider's side kept across processes). Expected: every
message ``sent``, ``uncertain`` (handed over when the worker died: staff check it) or
still ``pending`` — sent + uncertain + pending = STORM_MESSAGES, nothing failed, skipped or
stuck in ``sending`` (nothing lost); no idempotency key twice in the transport's log and
every ``sent`` message in it once (nothing sent twice). Prints the figures; exits 1 if any
is wrong. Needs PostgreSQL (``DATABASE_URL``) and ``redis-server`` on the PATH.
"""

import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from harness import REPO, bench_database, close_connections, free_port, postgres_url
from storm_redis import redis_start

MESSAGES = int(os.environ.get("STORM_MESSAGES", 1000))
BATCH = 25
KILL_AFTER = int(os.environ.get("STORM_KILL_AFTER", MESSAGES // 3))
GIVE_UP = 180


def worker_start(env: dict[str, str], queue: str, name: str, log) -> subprocess.Popen:
    return subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "celery"), "-A", "config", "worker", "-Q", queue,
         "-n", f"{name}@%h", "--pool", "prefork", "--concurrency", "2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the SIGKILL takes its children too
    )  # fmt: skip


def workers_stop(workers: list[subprocess.Popen]) -> None:
    """SIGTERM to each worker still running (its own session), SIGKILL if it lingers."""
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=5)


def main() -> int:
    database_url = postgres_url("storm_worker_kill")
    if database_url is None:
        return 0
    if shutil.which("redis-server") is None:
        print("storm_worker_kill: SKIPPED, nothing measured: needs redis-server on the PATH.")
        return 0
    folder = tempfile.mkdtemp(prefix="tiem-storm-kill-")
    port = free_port()
    redis = redis_start(port, folder)
    queue = f"tiem-storm-kill-{os.getpid()}"
    workers: list[subprocess.Popen] = []
    try:
        with bench_database(
            database_url,
            f"tiem_storm_kill_{os.getpid()}",
            extra_env={
                "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                "CELERY_QUEUE": queue,
                "MESSAGE_TRANSPORT_SMS": "config.transports.logfile.LogSmsTransport",
                "MESSAGE_BATCH_SIZE": str(BATCH),
            },
        ) as database:
            sys.path.insert(0, str(REPO))
            from django.conf import settings
            from django.db.models import Count
            from django.utils import timezone

            from campaigns.models import Message
            from campaigns.services import message_recover_stuck
            from campaigns.tasks import send_due_transactional
            from customers.models import Customer
            from tests.factories import MessageFactory

            # given: MESSAGES transactional SMS due now, one customer each
            customers = Customer.objects.bulk_create(
                Customer(full_name=f"Khách {n}", preferred_language="vi") for n in range(MESSAGES)
            )
            Message.objects.bulk_create(
                MessageFactory.build(
                    customer=customer,
                    channel="sms",
                    address=f"+8490{n:07d}",
                    body="Đơn hàng của bạn đã sẵn sàng.",
                    idempotency_key=f"storm:kill:{n}",
                )
                for n, customer in enumerate(customers)
            )
            close_connections()
            transport_log = settings.MESSAGE_LOG_FILE
            worker_log = open(database.var_dir / "celery.log", "w+b")  # noqa: SIM115

            def counts() -> dict[str, int]:
                return dict(Message.objects.order_by().values_list("state").annotate(n=Count("id")))

            def enqueue_batches() -> None:
                due = Message.objects.filter(state__in=Message.CLAIMABLE).count()
                for _ in range(-(-due // BATCH)):
                    send_due_transactional.delay()

            started = time.monotonic()
            enqueue_batches()
            # when: a worker sends until KILL_AFTER are sent, then dies with SIGKILL
            workers.append(worker_start(database.env, settings.CELERY_TRANSACTIONAL_QUEUE,
                                        "first", worker_log))  # fmt: skip
            while counts().get(Message.State.SENT, 0) < KILL_AFTER:
                if time.monotonic() - started > GIVE_UP:
                    raise RuntimeError("the first worker sent too little in time")
                time.sleep(0.02)
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            at_kill = counts()
            # and: beat's sweep, once the dead worker's claims have timed out
            swept = message_recover_stuck(
                now=timezone.now() + timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS + 1)
            )
            after_sweep = counts()
            # and: a second worker, with the send job enqueued again as beat would
            workers.append(worker_start(database.env, settings.CELERY_TRANSACTIONAL_QUEUE,
                                        "second", worker_log))  # fmt: skip
            enqueue_batches()
            while Message.objects.filter(
                state__in=[*Message.CLAIMABLE, Message.State.SENDING]
            ).exists():
                if time.monotonic() - started > GIVE_UP:
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            workers_stop(workers)
            final = counts()

            # then: counted from the database and from the transport's own record
            keys = collections.Counter()
            if transport_log.exists():
                for line in transport_log.read_text(encoding="utf-8").splitlines():
                    keys[json.loads(line)["idempotency_key"]] += 1
            sent_keys = set(
                Message.objects.filter(state=Message.State.SENT).values_list(
                    "idempotency_key", flat=True
                )
            )
            duplicated = sum(1 for n in keys.values() if n > 1)
            sent_unrecorded = len(sent_keys - set(keys))
            sent = final.get(Message.State.SENT, 0)
            uncertain = final.get(Message.State.UNCERTAIN, 0)
            pending = final.get(Message.State.PENDING, 0)
            lost = MESSAGES - sent - uncertain - pending
            uncertain_delivered = sum(
                1
                for key in Message.objects.filter(state=Message.State.UNCERTAIN).values_list(
                    "idempotency_key", flat=True
                )
                if key in keys
            )
            print(
                f"{MESSAGES} SMS, batches of {BATCH}, worker SIGKILLed after "
                f"{at_kill.get(Message.State.SENT, 0)} sent (states then: {at_kill}); "
                f"sweep: {swept} (states after: {after_sweep})"
            )
            print(
                f"final: sent={sent} uncertain={uncertain} (of which the transport has "
                f"{uncertain_delivered}) pending={pending} other={final} lost={lost} "
                f"transport_lines={sum(keys.values())} duplicated={duplicated} "
                f"sent_not_in_transport={sent_unrecorded} ({elapsed:.0f} s)"
            )
            ok = lost == 0 and duplicated == 0 and sent_unrecorded == 0 and pending == 0
            if not ok:
                worker_log.seek(0)
                sys.stderr.write(worker_log.read().decode(errors="replace")[-4000:])
            worker_log.close()
            return 0 if ok else 1
    finally:
        workers_stop(workers)
        if redis.poll() is None:
            redis.terminate()
            redis.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
        close_connections()


if __name__ == "__main__":
    sys.exit(main())
