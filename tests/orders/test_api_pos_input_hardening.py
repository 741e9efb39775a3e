"""What a till sends is taken as it means it: keys are UUID strings, a replay is the same
body to the letter, and an offline sale's time is one that can have happened."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockMovement
from orders.models import Order, Shift, ShiftCashMovement
from tests.factories import StaffFactory
from tests.orders.till_setup import a_sale, assert_refused_naming

NOT_UUIDS = [False, True, 0, 1, 12345]


@pytest.mark.django_db
@pytest.mark.parametrize("key", NOT_UUIDS)
def test_a_sale_keyed_by_anything_but_a_uuid_string_is_a_400(till, key):
    api = till.api

    response = api.post("/api/v1/pos/sales/", a_sale(client_uuid=key), format="json")

    assert_refused_naming(response, "client_uuid")
    assert not Order.objects.exists()
    assert not StockMovement.objects.filter(kind="sale").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", NOT_UUIDS)
def test_a_return_keyed_by_anything_but_a_uuid_string_is_a_400(till, key):
    api = till.api
    cashier = StaffFactory(role="cashier", stores=[till.store])
    body = {"client_uuid": key, "order_number": "POS-HG-000001", "reason": "x",
            "cashier_id": cashier.pk,
            "lines": [{"order_line_id": 1, "quantity": 1}], "refund_method": "cash"}  # fmt: skip

    response = api.post("/api/v1/pos/returns/", body, format="json")

    assert_refused_naming(response, "client_uuid")


@pytest.mark.django_db
@pytest.mark.parametrize("key", NOT_UUIDS)
def test_a_shift_keyed_by_anything_but_a_uuid_string_is_a_400(till, key):
    api = till.api
    cashier = StaffFactory(role="cashier", pin="2468", stores=[till.store])
    body = {"client_uuid": key, "cashier_id": cashier.pk, "pin": "2468",
            "opening_float_amount": "0"}  # fmt: skip

    response = api.post("/api/v1/pos/shifts/", body, format="json")

    assert_refused_naming(response, "client_uuid")
    assert not Shift.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", NOT_UUIDS)
def test_a_cash_movement_keyed_by_anything_but_a_uuid_string_is_a_400(till, key):
    api = till.api
    _cashier, shift = till.cashier_on_shift()  # an opening float of 0
    body = {"client_uuid": key, "kind": "paid_in", "amount": "1000", "reason": "change"}

    response = api.post(f"/api/v1/pos/shifts/{shift.pk}/cash-movements/", body, format="json")

    assert_refused_naming(response, "client_uuid")
    assert not ShiftCashMovement.objects.exclude(kind="opening_float").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "placed_at",
    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "future", "too_old"],
)
def test_an_offline_sale_at_an_impossible_time_is_a_400(till, settings, placed_at):
    # given: sales older than the limit, or ahead of the clock beyond the skew, cannot be
    api = till.api
    now = timezone.now()
    if placed_at == "future":
        placed_at = (now + timedelta(seconds=settings.POS_CLOCK_SKEW_SECONDS + 60)).isoformat()
    elif placed_at == "too_old":
        placed_at = (now - timedelta(days=settings.POS_OFFLINE_MAX_AGE_DAYS + 1)).isoformat()

    # when
    response = api.post(
        "/api/v1/pos/sales/", a_sale(offline=True, placed_at=placed_at), format="json"
    )

    # then
    assert_refused_naming(response, "placed_at")
    assert not Order.objects.exists()
    assert not StockMovement.objects.filter(kind="sale").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("age", [timedelta(days=2), timedelta(seconds=-30)])
def test_an_offline_sale_within_the_window_is_recorded(till, age):
    # given: a two-day-old sale (no shift covers it: inside POS_OFFLINE_MAX_HOURS), and one
    # a little ahead of our clock (the till's runs fast)
    api = till.api
    placed_at = (timezone.now() - age).isoformat()

    response = api.post(
        "/api/v1/pos/sales/", a_sale(offline=True, placed_at=placed_at), format="json"
    )

    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_blank_optional_texts_are_taken_as_their_defaults(till):
    # given: what a till sends when the cashier typed no name and no wording version
    api = till.api
    body = {"full_name": "", "phone": "0909908089",
            "consents": [{"channel": "sms", "purpose": "marketing", "granted": True,
                          "wording_version": ""}]}  # fmt: skip

    # when
    registered = api.post("/api/v1/pos/customers/", body, format="json")
    sold = api.post(
        "/api/v1/pos/sales/",
        a_sale(payments=[{"method": "card", "amount": "85000", "provider_reference": ""}]),
        format="json",
    )

    # then: blanks are the defaults the schema shows, not a 400
    assert registered.status_code == 201, registered.json()
    assert registered.json()["full_name"] == ""
    assert sold.status_code == 201, sold.json()
