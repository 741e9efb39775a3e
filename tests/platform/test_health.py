import pytest
from celery import Celery
from django.urls import reverse

from config.celery import app as celery_app
from config.tasks import heartbeat


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_is_down(client, monkeypatch):
    # given: the broker is a Redis on a port where nothing listens
    monkeypatch.setattr(
        "config.health.celery_app", Celery(broker="redis://127.0.0.1:1/0", set_as_current=False)
    )

    # when
    response = client.get(reverse("healthz"))

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"]


@pytest.mark.django_db
def test_healthz_shows_when_the_heartbeat_job_last_ran(client):
    # given: the beat job ran twice (called as the worker calls it)
    heartbeat.apply()
    heartbeat.apply()

    # when
    body = client.get(reverse("healthz")).json()

    # then
    assert body["jobs"]["platform-heartbeat"]["run_count"] == 2
    assert body["jobs"]["platform-heartbeat"]["last_run_at"]


def test_heartbeat_is_on_the_beat_schedule():
    schedule = celery_app.conf.beat_schedule

    assert schedule["platform-heartbeat"]["task"] == heartbeat.name
