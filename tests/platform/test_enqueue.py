"""Tasks enqueued on commit never fail or hold up the request (config/enqueue.py)."""

import pytest
from celery import Celery
from django.db import transaction

from config.enqueue import enqueue, enqueue_on_commit
from tests.platform.redis_server import free_port


@pytest.fixture
def broker_down(settings):
    app = Celery("tiem-down", set_as_current=False)
    app.conf.update(
        broker_url=f"redis://127.0.0.1:{free_port()}/0",
        broker_transport_options={"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        task_publish_retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
    )

    @app.task(name="tests.enqueue.nudge")
    def nudge():
        return None

    yield nudge
    app.close()


def test_a_task_the_broker_cannot_take_is_logged_not_raised(broker_down, caplog):
    assert enqueue(broker_down) is False
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("config.enqueue", "task not enqueued, beat's sweep will run it")
    ]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(broker_down, caplog):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(broker_down)
        raise RuntimeError("rolled back")

    assert [r for r in caplog.records if r.name == "config.enqueue"] == []


@pytest.mark.django_db(transaction=True)
def test_a_commit_with_the_broker_down_goes_through(broker_down, caplog):
    with transaction.atomic():
        enqueue_on_commit(broker_down)

    assert [r.getMessage() for r in caplog.records if r.name == "config.enqueue"] == [
        "task not enqueued, beat's sweep will run it"
    ]
