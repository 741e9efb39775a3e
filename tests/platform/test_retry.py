"""A deadlock, a serialization failure or a lock timeout is a retryable 503, never a 500."""

import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import psycopg.errors
import pytest
from django.db import OperationalError, connection
from django.test import Client
from rest_framework.test import APIClient

from config.models import JobHeartbeat
from config.retry import is_retryable
from inventory.models import StockLevel, StockMovement
from orders.models import Order
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)
from tests.platform import deadlock_urls


def deadlock() -> OperationalError:
    """What Django raises when PostgreSQL aborts a transaction caught in a deadlock."""
    try:
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.Error as error:
            raise OperationalError(*error.args) from error
    except OperationalError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("cause", "retryable"),
    [
        (psycopg.errors.DeadlockDetected, True),
        (psycopg.errors.SerializationFailure, True),
        (psycopg.errors.LockNotAvailable, True),
        (psycopg.errors.ConnectionTimeout, False),
    ],
)
def test_which_database_errors_are_worth_a_retry(cause, retryable):
    wrapped = OperationalError("x")
    wrapped.__cause__ = cause("x")

    assert is_retryable(wrapped) is retryable


@pytest.fixture
def till():
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(location, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, location, 5)
    return api


@pytest.mark.django_db
def test_a_sale_caught_in_a_deadlock_is_a_503_retry_and_writes_nothing(till, monkeypatch):
    # given: the database aborts the sale after its stock was taken, at the shift's lock
    def aborted(**kwargs):
        raise deadlock()

    monkeypatch.setattr("orders.services.pos.locks.shift_open_lock", aborted)

    # when
    response = till.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": "MK-100G", "quantity": 1}],
            "payments": [{"method": "cash", "amount": "85000"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "code": "retry",
        "detail": "Another request was changing the same records; nothing was saved. Try again.",
        "fields": {},
    }
    assert Order.objects.count() == 0
    assert StockMovement.objects.filter(kind="sale").count() == 0
    assert StockLevel.objects.get().on_hand == 5


@pytest.mark.django_db
def test_a_web_page_caught_in_a_deadlock_shows_a_503_page(monkeypatch):
    # given: the database aborts the cart's write
    def aborted(**kwargs):
        raise deadlock()

    monkeypatch.setattr("orders.views.cart.cart_line_set", aborted)
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    channel_selling_from(LocationFactory(), kind="web", code="web")

    # when
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/cart/add/", {"variant_id": jar.pk, "quantity": 1}
    )

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "Please try again" in response.content.decode()


def _race(send) -> list:
    """Two requests lock rows a and b in opposite orders, at the same time."""
    deadlock_urls.barrier.reset()
    answers = [None, None]

    def run(index, first, second):
        try:
            answers[index] = send(first, second)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, "a", "b")),
        threading.Thread(target=run, args=(1, "b", "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


@pytest.fixture
def two_rows(settings):
    settings.ROOT_URLCONF = "tests.platform.deadlock_urls"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    JobHeartbeat.objects.create(name="a", last_run_at=now)
    JobHeartbeat.objects.create(name="b", last_run_at=now)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_through_the_api_is_one_success_and_one_503_retry(two_rows):
    # when: two API requests take rows a and b in opposite orders
    answers = _race(lambda first, second: APIClient().post(f"/api/v1/test/lock/{first}/{second}/"))

    # then: PostgreSQL broke the circle; the loser is told to retry, nobody got a 500
    assert sorted(response.status_code for response in answers) == [200, 503]
    loser = next(response for response in answers if response.status_code == 503)
    assert loser["Retry-After"] == "1"
    assert loser.json()["code"] == "retry"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_on_a_page_is_one_success_and_one_503_page(two_rows):
    answers = _race(lambda first, second: Client().post(f"/test/lock/{first}/{second}/"))

    assert sorted(response.status_code for response in answers) == [200, 503]
    loser = next(response for response in answers if response.status_code == 503)
    assert loser["Retry-After"] == "1"
    assert "<h1>" in loser.content.decode()
