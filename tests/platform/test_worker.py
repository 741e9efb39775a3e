"""A real task through the real broker, executed by a real worker process (never eager)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from config.models import JobHeartbeat
from config.tasks import HEARTBEAT, heartbeat

ROOT = Path(__file__).resolve().parents[2]


def test_tasks_are_never_run_eagerly():
    assert not celery_app.conf.task_always_eager


def database_url_of_test_database() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def worker(transactional_db):
    """A Celery worker with an embedded beat, on its own queue, using the test database."""
    queue = f"tiem-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_QUEUE": queue,
        "HEARTBEAT_SECONDS": "1",
        "TIEM_VAR_DIR": str(ROOT / "var" / f"worker-{queue}"),
        "DEBUG": "true",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    connection.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_task_sent_through_redis_runs_in_a_worker_process(worker):
    # when: the web side sends the task to the broker
    result = heartbeat.apply_async(queue=worker)

    # then: a worker process ran it (its hostname is the worker's) and wrote to the database
    outcome = result.get(timeout=60)
    assert outcome["name"] == HEARTBEAT
    assert result.successful()
    row = JobHeartbeat.objects.get(pk=HEARTBEAT)
    assert row.worker.startswith(f"{worker}@")
    assert row.worker != ""


@pytest.mark.postgres
@pytest.mark.redis
def test_beat_schedule_drives_the_heartbeat_in_the_worker(worker):
    # given: beat sends the heartbeat every second; wait until it has run at least twice
    deadline = time.monotonic() + 60
    run_count = 0
    while time.monotonic() < deadline and run_count < 2:
        time.sleep(0.5)
        row = JobHeartbeat.objects.filter(pk=HEARTBEAT).first()
        run_count = row.run_count if row else 0

    # then
    assert run_count >= 2
    assert JobHeartbeat.objects.get(pk=HEARTBEAT).worker.startswith(f"{worker}@")
