"""The outbox under concurrency and crashes, on real PostgreSQL (and Redis for the worker)."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from campaigns.models import Message
from campaigns.services import message_recover_stuck, message_send_due
from campaigns.tasks import send_due_transactional
from customers.models import Event
from tests.factories import CustomerFactory, MessageFactory
from tests.platform.test_worker import database_url_of_test_database
from tests.transport_fakes import SMS_API_KEY, SMS_BRAND, SMS_PATH

ROOT = Path(__file__).resolve().parents[2]


def due_messages(count: int) -> list[Message]:
    customers = [CustomerFactory() for _ in range(10)]
    past = timezone.now() - timedelta(minutes=1)
    return [
        MessageFactory(customer=customers[n % 10], send_at=past, idempotency_key=f"c:{n}")
        for n in range(count)
    ]


@pytest.mark.postgres
def test_two_workers_claiming_at_once_send_each_message_exactly_once(
    transactional_db, recording_transport
):
    # given
    due_messages(200)
    start = threading.Barrier(2)
    errors = []

    def work(name):
        try:
            start.wait()
            while message_send_due(batch_size=7, worker=name).claimed:
                pass
        except Exception as error:  # reported below, never swallowed
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    sent = Counter(message.idempotency_key for message in recording_transport)
    assert len(sent) == 200
    assert set(sent.values()) == {1}
    assert Message.objects.filter(state="sent").count() == 200
    assert Event.objects.filter(kind="message_sent").count() == 200
    # both workers took part (each claim skipped the other's locked rows)
    assert set(Message.objects.values_list("claimed_by", flat=True)) == {"w0", "w1"}


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing(
    transactional_db, tmp_path, settings
):
    # given: 60 due messages and a send loop in its own process, each send taking 50 ms
    due_messages(60)
    sent_log = tmp_path / "sent.log"
    sent_log.touch()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "DJANGO_SETTINGS_MODULE": "tests.campaigns.worker_settings",
        "OUTBOX_SENT_LOG": str(sent_log),
        "OUTBOX_SEND_SLEEP": "0.05",
        "BATCH": "10",
        "MESSAGE_HANDOFF_CHUNK": "4",
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.campaigns.send_loop"], cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sent_log.read_text().splitlines()) < 15:
        time.sleep(0.02)

    # when: SIGKILL in the middle of a batch; then the sweep and a new worker run
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
    killed_after = set(sent_log.read_text().splitlines())
    assert 15 <= len(killed_after) < 60
    later = timezone.now() + timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT_SECONDS + 1)
    recovered = message_recover_stuck(now=later)
    os.environ["OUTBOX_SENT_LOG"] = str(sent_log)
    settings.MESSAGE_TRANSPORTS = {
        channel: "tests.campaigns.transports.FileRecordingTransport"
        for channel in ("email", "sms", "zalo", "messenger")
    }
    try:
        while message_send_due(batch_size=50, worker="replacement").claimed:
            pass
    finally:
        del os.environ["OUTBOX_SENT_LOG"]

    # then: no message was handed to the provider twice
    sent = Counter(sent_log.read_text().splitlines())
    assert set(sent.values()) == {1}
    # none lost: every message is sent, or uncertain (handed over in the chunk the kill cut
    # short: at most MESSAGE_HANDOFF_CHUNK) for staff
    rows = dict(Message.objects.values_list("idempotency_key", "state"))
    assert len(rows) == 60
    assert set(rows.values()) <= {"sent", "uncertain"}
    sent_rows = {key for key, state in rows.items() if state == "sent"}
    uncertain_rows = {key for key, state in rows.items() if state == "uncertain"}
    assert len(uncertain_rows) == recovered["uncertain"] <= 4
    assert sent_rows <= set(sent)
    assert set(sent) - sent_rows <= uncertain_rows
    assert Event.objects.filter(kind="message_sent").count() == len(sent_rows)


def start_celery_worker(settings_module: str, extra_env: dict[str, str]):
    """A real Celery worker on its own queues (default and transactional), test database."""
    queue = f"tiem-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "CELERY_QUEUE": queue,
        "TIEM_VAR_DIR": str(ROOT / "var" / f"worker-{queue}"),
        "DEBUG": "true",
        **extra_env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            f"{queue},{queue}-transactional",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    return queue, process


def stop_celery_worker(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    connection.close()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A worker whose every channel is the file-recording transport (tests/campaigns)."""
    sent_log = tmp_path / "sent.log"
    sent_log.touch()
    queue, process = start_celery_worker(
        "tests.campaigns.worker_settings", {"OUTBOX_SENT_LOG": str(sent_log)}
    )
    yield queue, sent_log
    stop_celery_worker(process)


@pytest.fixture
def celery_worker_to_fake_provider(transactional_db, fake_provider):
    """A worker sending through the real transports (config.transports), pointed at the
    fake provider by environment variables."""
    queue, process = start_celery_worker(
        "tests.campaigns.provider_worker_settings", fake_provider.environ()
    )
    yield queue
    stop_celery_worker(process)


@pytest.mark.postgres
@pytest.mark.redis
def test_a_real_worker_claims_and_sends_a_message_through_redis(celery_worker_process):
    # given
    queue, sent_log = celery_worker_process
    message = MessageFactory(idempotency_key="worker:1")

    # when: the task goes through Redis to the worker's transactional queue
    result = send_due_transactional.apply_async(queue=f"{queue}-transactional")
    outcome = result.get(timeout=60)

    # then
    message.refresh_from_db()
    assert outcome == {"claimed": 1, "sent": 1}
    assert message.state == "sent"
    assert message.claimed_by.startswith(f"{queue}@")
    assert sent_log.read_text().splitlines() == ["worker:1"]


@pytest.mark.postgres
@pytest.mark.redis
def test_a_real_worker_sends_a_scheduled_sms_through_the_gateway_to_the_fake_provider(
    celery_worker_to_fake_provider, fake_provider
):
    # given: an SMS scheduled a minute ago
    queue = celery_worker_to_fake_provider
    message = MessageFactory(
        channel="sms",
        address="+84909908089",
        subject="",
        body="Tiem: don hang #1001 da duoc giao.",
        send_at=timezone.now() - timedelta(minutes=1),
        idempotency_key="order_shipped:1:1001",
    )

    # when: the task goes through Redis to the worker's transactional queue
    result = send_due_transactional.apply_async(queue=f"{queue}-transactional")
    outcome = result.get(timeout=60)

    # then: the worker's HttpSmsGateway posted it to the provider, and the row is sent
    [request] = fake_provider.requests_to(SMS_PATH)
    assert request.headers["authorization"] == f"Bearer {SMS_API_KEY}"
    assert request.json == {
        "phone": "84909908089",
        "message": "Tiem: don hang #1001 da duoc giao.",
        "brandname": SMS_BRAND,
        "request_id": "order_shipped:1:1001",
    }
    message.refresh_from_db()
    assert outcome == {"claimed": 1, "sent": 1}
    assert message.state == "sent"
    assert message.provider_id == "sms-1"
    assert message.attempts == 1
    assert message.claimed_by.startswith(f"{queue}@")


def test_transactional_messages_have_their_own_queue():
    # the default worker consumes both queues; the transactional task is routed to its own
    assert (
        f"{settings.CELERY_TASK_DEFAULT_QUEUE}-transactional" == settings.CELERY_TRANSACTIONAL_QUEUE
    )
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == [
        settings.CELERY_TASK_DEFAULT_QUEUE,
        settings.CELERY_TRANSACTIONAL_QUEUE,
    ]
    route = settings.CELERY_TASK_ROUTES["campaigns.tasks.send_due_transactional"]
    assert route == {"queue": settings.CELERY_TRANSACTIONAL_QUEUE}
