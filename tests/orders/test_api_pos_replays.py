"""A replay is the same body to the letter: any field changed is a 409."""

import uuid
from decimal import Decimal

import pytest

from orders.models import Order, Return
from orders.services.placing import request_fingerprint
from tests.factories import StaffFactory
from tests.orders.till_setup import a_sale


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"note": "khách quen"},
        {"cashier_id": "other"},
        {"payments": [{"method": "cash", "amount": "85000", "provider_reference": "R-2"}]},
    ],
    ids=["note", "cashier_id", "provider_reference"],
)
def test_replaying_a_sale_with_any_field_changed_is_a_409(till, change):
    # given: a sale recorded
    api = till.api
    first_cashier, other_cashier = StaffFactory(role="cashier"), StaffFactory(role="cashier")
    paid = [{"method": "cash", "amount": "85000", "provider_reference": "R-1"}]
    sale = a_sale(cashier_id=first_cashier.pk, note="", payments=paid)
    assert api.post("/api/v1/pos/sales/", sale, format="json").status_code == 201
    if change.get("cashier_id") == "other":
        change = {"cashier_id": other_cashier.pk}

    # when: the same client_uuid with one field changed
    response = api.post("/api/v1/pos/sales/", {**sale, **change}, format="json")

    # then: refused, the first sale stands unchanged
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    order = Order.objects.get()
    assert (order.note, order.cashier_id) == ("", first_cashier.pk)


@pytest.mark.django_db
def test_replaying_a_sale_to_the_letter_is_answered_from_the_first(till):
    api = till.api
    sale = a_sale(cashier_id=StaffFactory(role="cashier").pk, note="khách quen")

    first = api.post("/api/v1/pos/sales/", sale, format="json")
    again = api.post("/api/v1/pos/sales/", sale, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_sale_recorded_before_the_fingerprint_covered_every_field_still_answers_replays(till):
    # given: a sale stored with the fingerprint of before (lines, tenders, customer, voucher,
    # points, placed_at, offline; no note, cashier or payment reference)
    api = till.api
    sale = a_sale(note="khách quen")
    assert api.post("/api/v1/pos/sales/", sale, format="json").status_code == 201
    legacy = request_fingerprint({
        "terminal": till.terminal.pk, "lines": [("MK-100G", 1, None)],
        "tenders": [("cash", Decimal("85000.00"), None)], "customer": None, "voucher": "",
        "points": 0, "placed_at": None, "offline": False,
    })  # fmt: skip
    Order.objects.update(request_fingerprint=legacy)

    # when: the till replays it
    response = api.post("/api/v1/pos/sales/", sale, format="json")

    # then
    assert response.status_code == 200
    assert Order.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"reason": "Hỏng"}, {"cashier_id": "other"}])
def test_replaying_a_return_with_another_reason_or_cashier_is_a_409(till, change):
    # given: a sale, and one unit of it taken back
    api = till.api
    first_cashier, other_cashier = StaffFactory(role="cashier"), StaffFactory(role="cashier")
    sold = api.post("/api/v1/pos/sales/", a_sale(), format="json").json()
    body = {"client_uuid": str(uuid.uuid4()), "order_number": sold["number"],
            "lines": [{"order_line_id": sold["lines"][0]["id"], "quantity": 1}],
            "reason": "Quà bị trùng", "refund_method": "cash",
            "cashier_id": first_cashier.pk}  # fmt: skip
    assert api.post("/api/v1/pos/returns/", body, format="json").status_code == 201
    if change.get("cashier_id") == "other":
        change = {"cashier_id": other_cashier.pk}

    # when: the same key, one field changed
    response = api.post("/api/v1/pos/returns/", {**body, **change}, format="json")

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert list(Return.objects.values_list("reason", flat=True)) == ["Quà bị trùng"]


@pytest.mark.django_db
def test_a_replay_that_missed_the_first_sale_and_found_no_stock_is_answered_from_it(
    till, monkeypatch
):
    # given: a sale took the last units; its replay is not looked up first (a sale without
    # points is not), so it runs into the first at the order's unique index
    api = till.api
    sale = a_sale(lines=[{"sku": "MK-100G", "quantity": 5}], payments=[
        {"method": "cash", "amount": "425000"}])  # fmt: skip
    assert api.post("/api/v1/pos/sales/", sale, format="json").status_code == 201
    from orders.services import pos

    replay = pos._replay
    looks = []

    def counted(client_uuid, fingerprints):
        looks.append(client_uuid)
        return replay(client_uuid, fingerprints)

    monkeypatch.setattr(pos, "_replay", counted)

    # when: the replay arrives
    response = api.post("/api/v1/pos/sales/", sale, format="json")

    # then: answered with the first sale, not refused for stock; nothing more written
    assert response.status_code == 200, response.json()
    assert response.json()["number"] == Order.objects.get().number
    assert len(looks) == 1  # after the unique index, not before
