"""With Redis stopped, the shop keeps selling (DESIGN.md, invariant 9).

The test starts its own redis-server on a free port, points the cache (the throttles) and
a Celery app (the broker: tasks and /healthz) at it, checks they work, kills it, then
sells at the till, places a web order and logs a shopper in. Each answers as usual;
/healthz stays 200 and says the broker is down; a task enqueued on commit is logged
and left for beat's sweep instead of failing the request.
"""

import logging
import uuid
from decimal import Decimal

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from config.cache import outage
from config.enqueue import enqueue_on_commit
from customers.services import shopper_signup
from orders.models import Order
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

PASSWORD = "a-long-and-unusual-password"


@pytest.fixture
def redis_everywhere(settings, redis_server, monkeypatch):
    """Cache and broker on the test's own Redis, configured as config/settings.py does."""
    timeouts = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "tiem",
            "OPTIONS": timeouts,
        }
    }
    app = Celery("tiem-outage", set_as_current=False)
    app.conf.update(
        broker_url=redis_server.url,
        result_backend=redis_server.url,
        broker_transport_options={**timeouts, "visibility_timeout": 3600},
        broker_connection_timeout=django_settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        task_publish_retry_policy=django_settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
        task_default_queue=f"tiem-outage-{redis_server.port}",
    )
    monkeypatch.setattr("config.health.celery_app", app)

    @app.task(name="tests.outage.nudge")
    def nudge():
        return None

    outage.down = False
    yield redis_server, nudge
    outage.down = False
    app.close()


@pytest.fixture
def shop():
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    warehouse = WarehouseFactory(name="Kho Long Biên")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    channel_selling_from(warehouse, kind="web", code="web")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, showroom, 5)
    stocked(jar, warehouse, 5)
    _terminal, token = terminal_with_token(location=showroom)
    till = APIClient()
    till.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    shopper_signup(password=PASSWORD, phone="0909908089", full_name="Chị Lan")
    return till, jar


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_the_till_the_web_store_and_log_ins_keep_working(
    redis_everywhere, shop, caplog
):
    server, nudge = redis_everywhere
    till, jar = shop
    # given: the cache and the broker answered, then Redis stops
    cache.set("before", "yes", timeout=60)
    assert cache.get("before") == "yes"
    assert Client().get("/healthz").json()["broker"]["ok"] is True
    server.stop()

    # when: a sale at the till (its throttle reads the cache)
    sale = till.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": "MK-100G", "quantity": 1}],
            "payments": [{"method": "cash", "amount": "85000"}],
        },
        format="json",
    )
    # and: a web checkout, paid on delivery
    shopper = Client(HTTP_ACCEPT_LANGUAGE="en")
    shopper.post("/cart/add/", {"variant_id": jar.pk, "quantity": 2})
    started = shopper.post(
        "/checkout/",
        {
            "contact_name": "Anh Toản", "contact_phone": "0912345678", "fulfilment": "ship",
            "line1": "25 Hàng Giấy", "province_code": "01", "ward_code": "00070",
        },
    )  # fmt: skip
    placed = shopper.post("/checkout/pay/", {"payment_method": "cod"})
    # and: a shopper logs in (the login throttle reads and writes the cache)
    login = Client().post("/account/login/", {"username": "0909908089", "password": PASSWORD})
    # and: a task enqueued on commit finds no broker
    with transaction.atomic():
        enqueue_on_commit(nudge)
    health = Client().get("/healthz")

    # then
    assert sale.status_code == 201, sale.json()
    assert (started.status_code, placed.status_code) == (302, 302)
    assert sorted(Order.objects.values_list("number", flat=True)) == [
        "POS-HG-000001",
        "WEB-000001",
    ]
    assert Order.objects.get(number="WEB-000001").total_amount == Decimal(170000)
    assert login.status_code == 302
    assert login["Location"] == "/account/"
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["database"] == {"ok": True}
    assert health.json()["broker"]["ok"] is False
    logged = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert (
        "config.enqueue",
        logging.WARNING,
        "task not enqueued, beat's sweep will run it",
    ) in logged
    assert [m for name, _, m in logged if name == "config.cache"] == [
        "cache unavailable, failing open until it answers again"
    ]
