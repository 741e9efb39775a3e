import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from config.roles import CASHIER, MARKETER
from orders.models import Shift, ShiftCashMovement
from orders.services import shift_open
from tests.factories import LocationFactory, StaffFactory, terminal_with_token


@pytest.fixture
def till():
    """A terminal at a store, an API client speaking as it, and a cashier."""
    terminal, token = terminal_with_token(location=LocationFactory(name="Showroom Hàng Giấy"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api, terminal, StaffFactory(role=CASHIER, pin="2468", stores=[terminal.location])


def open_body(cashier, amount="2000000", client_uuid=None):
    return {
        "client_uuid": str(client_uuid or uuid.uuid4()),
        "cashier_id": cashier.pk,
        "pin": "2468",
        "opening_float_amount": amount,
    }


@pytest.mark.django_db
def test_a_shift_runs_from_float_to_count_with_its_difference(till):
    api, _terminal, cashier = till

    # given: a shift opened with 2,000,000 đ, 500,000 in and 300,000 out
    opened = api.post("/api/v1/pos/shifts/", open_body(cashier))
    assert opened.status_code == 201
    shift_id = opened.json()["id"]
    for kind, amount in (("paid_in", "500000"), ("paid_out", "300000")):
        moved = api.post(
            f"/api/v1/pos/shifts/{shift_id}/cash-movements/",
            {"client_uuid": str(uuid.uuid4()), "kind": kind, "amount": amount, "reason": "x"},
        )
        assert moved.status_code == 201
    assert api.get("/api/v1/pos/shifts/current/").json()["expected_amount"] == "2200000"

    # when: the cashier counts 2,150,000
    closed = api.post(f"/api/v1/pos/shifts/{shift_id}/close/", {"counted_amount": "2150000"})

    # then
    assert closed.status_code == 200
    body = closed.json()
    assert (body["expected_amount"], body["counted_amount"], body["difference_amount"]) == (
        "2200000",
        "2150000",
        "-50000",
    )
    assert body["closed_at"]
    assert api.get("/api/v1/pos/shifts/current/").status_code == 404


@pytest.mark.django_db
def test_replayed_open_returns_the_same_shift(till):
    api, _terminal, cashier = till
    body = open_body(cashier)

    first = api.post("/api/v1/pos/shifts/", body)
    again = api.post("/api/v1/pos/shifts/", body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Shift.objects.count() == 1
    assert ShiftCashMovement.objects.count() == 1


@pytest.mark.django_db
def test_same_uuid_with_another_body_is_a_409_and_writes_nothing(till):
    api, _terminal, cashier = till
    body = open_body(cashier)
    api.post("/api/v1/pos/shifts/", body)

    response = api.post("/api/v1/pos/shifts/", {**body, "opening_float_amount": "999"})

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert Shift.objects.count() == 1
    assert list(ShiftCashMovement.objects.values_list("amount", flat=True)) == [Decimal(2000000)]


@pytest.mark.django_db
def test_second_open_shift_at_one_terminal_is_refused(till):
    api, _terminal, cashier = till
    api.post("/api/v1/pos/shifts/", open_body(cashier))

    response = api.post("/api/v1/pos/shifts/", open_body(cashier))

    assert response.status_code == 409
    assert response.json()["code"] == "shift_already_open"
    assert Shift.objects.count() == 1


@pytest.mark.django_db
def test_staff_without_till_rights_cannot_open_a_shift(till):
    api, _terminal, _cashier = till

    response = api.post("/api/v1/pos/shifts/", open_body(StaffFactory(role=MARKETER)))

    assert response.status_code == 400
    assert response.json()["code"] == "cashier_not_allowed"
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_negative_float_is_a_400_naming_the_field(till):
    api, _terminal, cashier = till

    response = api.post("/api/v1/pos/shifts/", open_body(cashier, amount="-1"))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["opening_float_amount"]
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_cash_cannot_move_after_close_and_a_second_close_must_agree(till):
    api, _terminal, cashier = till
    shift_id = api.post("/api/v1/pos/shifts/", open_body(cashier)).json()["id"]
    api.post(f"/api/v1/pos/shifts/{shift_id}/close/", {"counted_amount": "2000000"})

    moved = api.post(
        f"/api/v1/pos/shifts/{shift_id}/cash-movements/",
        {"client_uuid": str(uuid.uuid4()), "kind": "paid_in", "amount": "1000", "reason": "x"},
    )
    same_close = api.post(f"/api/v1/pos/shifts/{shift_id}/close/", {"counted_amount": "2000000"})
    other_close = api.post(f"/api/v1/pos/shifts/{shift_id}/close/", {"counted_amount": "1"})

    assert moved.status_code == 409
    assert moved.json()["code"] == "shift_closed"
    assert same_close.status_code == 200
    assert other_close.status_code == 409
    assert ShiftCashMovement.objects.count() == 1
    assert Shift.objects.get().counted_amount == Decimal(2000000)


@pytest.mark.django_db
def test_a_terminal_cannot_touch_another_stores_shift(till):
    api, _terminal, _cashier = till
    other_terminal, _token = terminal_with_token(location=LocationFactory(name="Quận 1"))
    other_shift, _ = shift_open(
        terminal=other_terminal,
        cashier=StaffFactory(role=CASHIER, pin="2468", stores=[other_terminal.location]),
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(100000),
    )

    close = api.post(f"/api/v1/pos/shifts/{other_shift.pk}/close/", {"counted_amount": "0"})
    move = api.post(
        f"/api/v1/pos/shifts/{other_shift.pk}/cash-movements/",
        {"client_uuid": str(uuid.uuid4()), "kind": "paid_out", "amount": "1000", "reason": "x"},
    )

    assert (close.status_code, move.status_code) == (404, 404)
    assert close.json()["code"] == "not_found"
    other_shift.refresh_from_db()
    assert other_shift.is_open
    assert other_shift.cash_movements.count() == 1


def run_concurrently(count, action):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # collected and asserted by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_opens_at_one_terminal_open_exactly_one_shift():
    terminal, _token = terminal_with_token()
    cashier = StaffFactory(role=CASHIER, pin="2468", stores=[terminal.location])

    results, errors = run_concurrently(
        8,
        lambda: shift_open(
            terminal=terminal,
            cashier=cashier,
            pin="2468",
            client_uuid=uuid.uuid4(),
            opening_float_amount=Decimal(1000),
        ),
    )

    assert len(results) == 1
    assert len(errors) == 7
    assert {type(error).__name__ for error in errors} == {"ShiftAlreadyOpen"}
    assert Shift.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_open_retried_concurrently_is_one_shift():
    terminal, _token = terminal_with_token()
    cashier = StaffFactory(role=CASHIER, pin="2468", stores=[terminal.location])
    client_uuid = uuid.uuid4()

    results, errors = run_concurrently(
        8,
        lambda: shift_open(
            terminal=terminal,
            cashier=cashier,
            pin="2468",
            client_uuid=client_uuid,
            opening_float_amount=Decimal(1000),
        ),
    )

    assert errors == []
    assert len({shift.pk for shift, _created in results}) == 1
    assert sorted(created for _shift, created in results) == [False] * 7 + [True]
    assert ShiftCashMovement.objects.count() == 1


@pytest.mark.django_db
def test_a_replayed_cash_movement_is_recorded_once_and_a_changed_one_refused(till):
    api, _terminal, cashier = till
    shift_id = api.post("/api/v1/pos/shifts/", open_body(cashier)).json()["id"]
    body = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "paid_out",
        "amount": "50000",
        "reason": "ice",
    }
    url = f"/api/v1/pos/shifts/{shift_id}/cash-movements/"

    first, again = api.post(url, body), api.post(url, body)
    changed = api.post(url, {**body, "amount": "60000"})

    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["amount"] == "-50000"
    assert ShiftCashMovement.objects.filter(kind="paid_out").count() == 1


@pytest.mark.django_db
def test_a_replayed_cash_movement_with_another_reason_is_a_409(till):
    # given: 50,000 đ paid out for ice
    api, _terminal, cashier = till
    shift_id = api.post("/api/v1/pos/shifts/", open_body(cashier)).json()["id"]
    body = {"client_uuid": str(uuid.uuid4()), "kind": "paid_out", "amount": "50000",
            "reason": "ice"}  # fmt: skip
    url = f"/api/v1/pos/shifts/{shift_id}/cash-movements/"
    assert api.post(url, body).status_code == 201

    # when: the same key, the reason changed
    changed = api.post(url, {**body, "reason": "taxi"})

    # then: refused; the first movement stands as it was
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_conflict"
    assert list(ShiftCashMovement.objects.filter(kind="paid_out").values_list("reason")) == [
        ("ice",)
    ]
