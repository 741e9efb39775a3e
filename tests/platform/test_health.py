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
@pytest.mark.parametrize("probe", ["healthz", "readyz"])
def test_a_broker_that_is_down_is_reported_but_the_node_stays_in_service(
    client, monkeypatch, probe
):
    # given: the broker is a Redis on a port where nothing listens
    monkeypatch.setattr(
        "config.health.celery_app", Celery(broker="redis://127.0.0.1:1/0", set_as_current=False)
    )

    # when
    response = client.get(reverse(probe))

    # then: still 200 (sales go on without Redis), and the body names the broker
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"] == "OperationalError"


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["healthz", "readyz"])
def test_a_database_that_is_down_is_a_503(client, monkeypatch, probe):
    # given: the database does not answer
    monkeypatch.setattr("config.health.database_reachable", lambda: (False, "OperationalError"))

    # when
    response = client.get(reverse(probe))

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["jobs"] == {}


@pytest.mark.django_db
def test_readyz_reports_the_cache(client):
    body = client.get(reverse("readyz")).json()

    assert body["status"] == "ok"
    assert body["cache"] == {"ok": True}


@pytest.mark.django_db
def test_readyz_reports_a_cache_that_does_not_answer(client, settings):
    # given: the cache is a Redis on a port where nothing listens (it fails open)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    # when
    response = client.get(reverse("readyz"))

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == {"ok": False, "error": "no answer"}


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
