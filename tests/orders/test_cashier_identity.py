"""Who is at the till: shifts open with the cashier's personal PIN (hashed, throttled per
person and terminal); hand-overs and returns record the staff member; pick-up "ready" and
"hand-over" answer 200 with the current state when sent again."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password
from rest_framework.test import APIClient

from inventory.models import StockLevel, StockMovement
from orders.models import Order, Return, Shift, ShiftCashMovement, StaffPin
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    order_place,
    pos_sale_submit,
)
from orders.services.placing import LineInput, TenderInput
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.fixture
def store():
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    web = channel_selling_from(showroom, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, showroom, 5)
    return api, terminal, web, showroom, jar


def open_shift(api, cashier, pin):
    return api.post(
        "/api/v1/pos/shifts/",
        {"client_uuid": str(uuid.uuid4()), "cashier_id": cashier.pk, "pin": pin,
         "opening_float_amount": "1000000"},
        format="json",
    )  # fmt: skip


def assert_no_shift():
    assert not Shift.objects.exists()
    assert not ShiftCashMovement.objects.exists()


@pytest.mark.django_db
def test_the_pin_is_kept_hashed(store):
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store[1].location])

    record = StaffPin.objects.get(user=cashier)

    assert "2468" not in record.pin_hash
    assert check_password("2468", record.pin_hash)


@pytest.mark.django_db
def test_a_shift_opens_with_the_cashiers_own_pin(store):
    api, *_ = store
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store[1].location])

    response = open_shift(api, cashier, "2468")

    assert response.status_code == 201, response.json()
    assert Shift.objects.get().cashier == cashier


@pytest.mark.django_db
@pytest.mark.parametrize("pin", ["1357", "", "24680"])
def test_a_wrong_pin_opens_nothing(store, pin):
    api, *_ = store
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store[1].location])

    response = open_shift(api, cashier, pin)

    assert response.status_code in (400, 403)
    assert response.json()["code"] in ("invalid", "pin_invalid")
    assert "pin" in response.json()["fields"]
    assert_no_shift()


@pytest.mark.django_db
def test_someone_elses_pin_opens_nothing(store):
    api, *_ = store
    StaffFactory(role="store_manager", pin="9999")
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store[1].location])

    response = open_shift(api, cashier, "9999")

    assert response.status_code == 403
    assert response.json()["code"] == "pin_invalid"
    assert_no_shift()


@pytest.mark.django_db
def test_a_cashier_with_no_pin_yet_opens_nothing(store):
    api, *_ = store
    cashier = StaffFactory(role="cashier", stores=[store[1].location])

    response = open_shift(api, cashier, "0000")

    assert response.status_code == 403
    assert response.json()["code"] == "pin_invalid"
    assert_no_shift()


@pytest.mark.django_db
def test_after_five_wrong_pins_even_the_right_one_is_refused_at_that_terminal(store):
    api, _terminal, _web, showroom, _jar = store
    cashier = StaffFactory(role="cashier", pin="2468", stores=[store[1].location])
    for guess in range(5):
        assert open_shift(api, cashier, f"111{guess}").status_code == 403

    # when: the right PIN, sixth try
    response = open_shift(api, cashier, "2468")

    # then
    assert response.status_code == 429
    assert response.json()["code"] == "pin_throttled"
    assert_no_shift()
    # and: the count is per person and terminal: another till still opens for them
    _other, token = terminal_with_token(location=showroom, name="Quầy 2")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert open_shift(other, cashier, "2468").status_code == 201


@pytest.mark.django_db
def test_a_warehouse_worker_cannot_open_a_shift_even_with_a_pin(store):
    api, *_ = store
    worker = StaffFactory(role="warehouse", pin="2468")

    response = open_shift(api, worker, "2468")

    assert response.status_code == 400
    assert response.json()["code"] == "cashier_not_allowed"
    assert_no_shift()


def pickup_order(web, jar, showroom):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=jar.pk, quantity=2)
    cart = checkout_start(cart=cart, contact_phone="0909908089", fulfilment="pickup",
                          pickup_location=showroom)  # fmt: skip
    return order_place(cart=cart, payment_method="cod")


@pytest.mark.django_db
def test_ready_and_hand_over_sent_twice_answer_the_current_state(store):
    api, _terminal, web, showroom, jar = store
    order = pickup_order(web, jar, showroom)
    cashier = StaffFactory(role="cashier")

    ready = api.post(f"/api/v1/pos/pickups/{order.pk}/ready/")
    ready_again = api.post(f"/api/v1/pos/pickups/{order.pk}/ready/")
    code = ready.json()["pickup_code"]
    body = {"pickup_code": code, "cashier_id": cashier.pk}
    handed = api.post(f"/api/v1/pos/pickups/{order.pk}/hand-over/", body, format="json")
    handed_again = api.post(f"/api/v1/pos/pickups/{order.pk}/hand-over/", body, format="json")

    assert (ready.status_code, ready_again.status_code) == (200, 200)
    assert ready_again.json()["pickup_code"] == code
    assert (handed.status_code, handed_again.status_code) == (200, 200)
    assert handed_again.json() == handed.json()
    assert handed.json()["status"] == "completed"
    assert handed.json()["handed_over_by"] == cashier.pk
    assert Order.objects.get(pk=order.pk).handed_over_by == cashier
    # the goods left the shelf once
    assert StockMovement.objects.filter(kind="sale").count() == 1
    assert StockLevel.objects.get(variant=jar, location=showroom).on_hand == 3


@pytest.mark.django_db
def test_a_completed_pick_up_with_a_wrong_code_is_still_refused(store):
    api, _terminal, web, showroom, jar = store
    order = pickup_order(web, jar, showroom)
    cashier = StaffFactory(role="cashier")
    code = api.post(f"/api/v1/pos/pickups/{order.pk}/ready/").json()["pickup_code"]
    api.post(f"/api/v1/pos/pickups/{order.pk}/hand-over/",
             {"pickup_code": code, "cashier_id": cashier.pk}, format="json")  # fmt: skip

    response = api.post(
        f"/api/v1/pos/pickups/{order.pk}/hand-over/",
        {"pickup_code": "ZZZZZZ", "cashier_id": cashier.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "pickup_code_invalid"


@pytest.mark.django_db
def test_a_hand_over_without_the_staff_member_is_refused(store):
    api, _terminal, web, showroom, jar = store
    order = pickup_order(web, jar, showroom)
    code = api.post(f"/api/v1/pos/pickups/{order.pk}/ready/").json()["pickup_code"]

    response = api.post(f"/api/v1/pos/pickups/{order.pk}/hand-over/", {"pickup_code": code})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["cashier_id"]
    assert Order.objects.get(pk=order.pk).status == "ready_for_pickup"
    assert not StockMovement.objects.filter(kind="sale").exists()


@pytest.mark.django_db
def test_a_return_records_who_took_it_and_needs_them(store):
    api, terminal, _web, showroom, jar = store
    order, _ = pos_sale_submit(
        terminal=terminal, client_uuid=uuid.uuid4(), lines=[LineInput(sku="MK-100G", quantity=1)],
        tenders=[TenderInput(method="card", amount=Decimal(85000))],
    )  # fmt: skip
    cashier = StaffFactory(role="cashier")
    line = {"order_line_id": order.lines.get().pk, "quantity": 1}
    body = {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
            "lines": [line], "reason": "x"}  # fmt: skip

    nobody = api.post("/api/v1/pos/returns/", body, format="json")
    assert nobody.status_code == 400
    assert list(nobody.json()["fields"]) == ["cashier_id"]
    assert not Return.objects.exists()

    taken = api.post("/api/v1/pos/returns/", {**body, "cashier_id": cashier.pk}, format="json")
    assert taken.status_code == 201, taken.json()
    assert taken.json()["processed_by"] == cashier.pk
    assert Return.objects.get().created_by == cashier
    assert StockLevel.objects.get(variant=jar, location=showroom).on_hand == 5


@pytest.mark.django_db
def test_staff_set_their_pin_with_a_command_and_a_bad_one_changes_nothing():
    from django.core.management import CommandError, call_command

    cashier = StaffFactory(role="cashier", username="lan", pin="2468")

    with pytest.raises(CommandError, match="4 to 8 digits"):
        call_command("staff_pin_set", "lan", pin="12ab")
    assert check_password("2468", StaffPin.objects.get(user=cashier).pin_hash)

    call_command("staff_pin_set", "lan", pin="97531")
    assert check_password("97531", StaffPin.objects.get(user=cashier).pin_hash)


@pytest.mark.django_db
def test_a_cashier_of_another_store_opens_nothing_even_with_the_right_pin(store):
    # given: a cashier who works at another shop
    api, *_ = store
    cashier = StaffFactory(role="cashier", pin="2468", stores=[LocationFactory(name="Quận 1")])

    # when
    response = open_shift(api, cashier, "2468")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "cashier_not_allowed"
    assert "cashier_id" in response.json()["fields"]
    assert_no_shift()
