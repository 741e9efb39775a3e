import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import Event, LoyaltyEntry
from customers.selectors import loyalty_balance
from inventory.models import StockDiscrepancy, StockLevel, StockMovement
from orders.models import Order, Payment, Shift, ShiftCashMovement
from orders.services import shift_open
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.fixture
def store():
    """A store with its POS channel, a terminal speaking through the API, and stock."""
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(location, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    beef = VariantFactory(sku="TT-500G", price_amount=Decimal(450000))
    stocked(jar, location, 5)
    stocked(beef, location, 1)
    return api, terminal, location, jar, beef


def sale(lines, payments, **extra):
    return {"client_uuid": str(uuid.uuid4()), "lines": lines, "payments": payments, **extra}


def on_hand(variant, location):
    return StockLevel.objects.get(variant=variant, location=location).on_hand


@pytest.mark.django_db
def test_a_cash_sale_with_a_known_customer(store):
    api, terminal, location, jar, beef = store
    customer = CustomerFactory()
    cashier = StaffFactory(role="cashier", pin="2468", stores=[location])
    shift, _ = shift_open(
        terminal=terminal,
        cashier=cashier,
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(1_000_000),
    )

    # when: 2 jars and the beef, 620,000 đ, paid with 700,000 in cash
    response = api.post(
        "/api/v1/pos/sales/",
        sale(
            [{"sku": "MK-100G", "quantity": 2}, {"sku": "TT-500G", "quantity": 1}],
            [{"method": "cash", "amount": "620000", "tendered_amount": "700000"}],
            customer_id=customer.pk,
            cashier_id=cashier.pk,
        ),
        format="json",
    )

    # then: the order is complete, change is due, stock left the shelf
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "POS-HG-000001"
    assert (body["status"], body["fulfilment"]) == ("completed", "carry_out")
    assert (body["total_amount"], body["change_due_amount"]) == ("620000", "80000")
    assert body["shift"] == shift.pk
    assert (on_hand(jar, location), on_hand(beef, location)) == (3, 0)
    # the drawer expects the cash taken, the shopper earned 62 points, the timeline knows
    assert ShiftCashMovement.objects.get(kind="sale").amount == Decimal(620000)
    assert loyalty_balance(customer=customer) == 62
    assert list(
        Event.objects.filter(customer=customer).order_by("pk").values_list("kind", flat=True)
    ) == ["order_placed", "order_completed"]
    placed = Event.objects.get(customer=customer, kind="order_placed")
    assert placed.payload["number"] == "POS-HG-000001"
    assert sorted(line["sku"] for line in placed.payload["lines"]) == ["MK-100G", "TT-500G"]


@pytest.mark.django_db
def test_a_replayed_sale_is_answered_from_the_first_and_counts_once(store):
    api, _terminal, location, jar, _beef = store
    customer = CustomerFactory()
    body = sale(
        [{"sku": "MK-100G", "quantity": 1}],
        [{"method": "card", "amount": "85000"}],
        customer_id=customer.pk,
    )

    first = api.post("/api/v1/pos/sales/", body, format="json")
    again = api.post("/api/v1/pos/sales/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Order.objects.count() == 1
    assert StockMovement.objects.filter(kind="sale").count() == 1
    assert LoyaltyEntry.objects.filter(customer=customer).count() == 1
    assert on_hand(jar, location) == 4


@pytest.mark.django_db
def test_the_same_uuid_with_another_body_is_a_409_and_writes_nothing(store):
    api, _terminal, location, jar, _beef = store
    body = sale([{"sku": "MK-100G", "quantity": 1}], [{"method": "card", "amount": "85000"}])
    api.post("/api/v1/pos/sales/", body, format="json")

    response = api.post(
        "/api/v1/pos/sales/",
        {
            **body,
            "lines": [{"sku": "MK-100G", "quantity": 2}],
            "payments": [{"method": "card", "amount": "170000"}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert Order.objects.count() == 1
    assert on_hand(jar, location) == 4


@pytest.mark.django_db
def test_an_online_sale_beyond_the_shelf_is_refused_and_writes_nothing(store):
    api, _terminal, location, _jar, beef = store

    response = api.post(
        "/api/v1/pos/sales/",
        sale([{"sku": "TT-500G", "quantity": 2}], [{"method": "card", "amount": "900000"}]),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert "TT-500G" in response.json()["detail"]
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert on_hand(beef, location) == 1


@pytest.mark.django_db
def test_an_offline_sale_is_recorded_even_beyond_the_shelf_with_a_discrepancy(store):
    api, _terminal, location, _jar, beef = store
    placed_at = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(microsecond=0)

    # when: the till sold 2 beef packs while offline, at the price it knew then
    response = api.post(
        "/api/v1/pos/sales/",
        sale(
            [{"sku": "TT-500G", "quantity": 2, "unit_price_amount": "440000"}],
            [{"method": "cash", "amount": "880000", "tendered_amount": "880000"}],
            offline=True,
            placed_at=placed_at.isoformat(),
        ),
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sold_offline"] is True
    assert body["total_amount"] == "880000"
    assert body["placed_at"] == placed_at.isoformat()
    assert body["late_sync"] is True  # no open shift to attach it to
    assert on_hand(beef, location) == -1
    assert StockDiscrepancy.objects.get().shortfall == 1


@pytest.mark.django_db
def test_a_changed_price_is_named_and_nothing_is_written(store):
    api, _terminal, _location, _jar, _beef = store

    response = api.post(
        "/api/v1/pos/sales/",
        sale(
            [{"sku": "MK-100G", "quantity": 1, "unit_price_amount": "80000"}],
            [{"method": "card", "amount": "80000"}],
        ),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "price_changed"
    assert "85000" in response.json()["fields"]["MK-100G"][0]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "payments", "code", "field"),
    [
        (
            [{"sku": "NOPE", "quantity": 1}],
            [{"method": "card", "amount": "1"}],
            "order_lines_invalid",
            "NOPE",
        ),
        (
            [{"sku": "MK-100G", "quantity": 1}],
            [{"method": "card", "amount": "1"}],
            "payments_invalid",
            "payments",
        ),
        (
            [{"sku": "MK-100G", "quantity": 0}],
            [{"method": "card", "amount": "1"}],
            "invalid",
            "lines",
        ),
        (
            [{"sku": "MK-100G", "quantity": 1}],
            [{"method": "cash", "amount": "85000", "tendered_amount": "50000"}],
            "payments_invalid",
            "payments",
        ),
    ],
)
def test_bad_sales_are_4xx_naming_the_problem_and_write_nothing(
    store, lines, payments, code, field
):
    api, _terminal, location, jar, _beef = store

    response = api.post("/api/v1/pos/sales/", sale(lines, payments), format="json")

    assert 400 <= response.status_code < 500
    assert response.json()["code"] == code
    assert field in response.json()["fields"]
    assert not Order.objects.exists()
    assert on_hand(jar, location) == 5


@pytest.mark.django_db
def test_a_terminal_cannot_read_another_stores_sale(store):
    api, _terminal, _location, _jar, _beef = store
    other = LocationFactory(name="Quận 1")
    channel_selling_from(other, kind="pos", code="pos-q1")
    _other_terminal, other_token = terminal_with_token(location=other)
    stocked(VariantFactory(sku="Q1-ONLY", price_amount=Decimal(1000)), other, 1)
    other_api = APIClient()
    other_api.credentials(HTTP_AUTHORIZATION=f"Bearer {other_token}")
    order_id = other_api.post(
        "/api/v1/pos/sales/",
        sale([{"sku": "Q1-ONLY", "quantity": 1}], [{"method": "card", "amount": "1000"}]),
        format="json",
    ).json()["id"]

    assert other_api.get(f"/api/v1/pos/orders/{order_id}/").status_code == 200
    response = api.get(f"/api/v1/pos/orders/{order_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_sale_posted_three_times_at_once_is_one_order(store):
    _api, _terminal, location, jar, _beef = store
    token_header = _api._credentials["HTTP_AUTHORIZATION"]
    customer = CustomerFactory()
    body = sale(
        [{"sku": "MK-100G", "quantity": 2}],
        [{"method": "card", "amount": "170000"}],
        customer_id=customer.pk,
    )
    statuses, barrier = [], threading.Barrier(3)

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token_header)
        barrier.wait()
        try:
            statuses.append(client.post("/api/v1/pos/sales/", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 201]
    assert Order.objects.count() == 1
    assert StockMovement.objects.filter(kind="sale").count() == 1
    assert LoyaltyEntry.objects.filter(customer=customer).count() == 1
    assert on_hand(jar, location) == 3
    assert Shift.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("line_count", [1, 10])
def test_a_sale_stays_under_31_queries_whatever_the_lines(
    store, line_count, django_assert_max_num_queries
):
    api, terminal, location, _jar, _beef = store
    variants = [VariantFactory(price_amount=Decimal(1000)) for _ in range(line_count)]
    for variant in variants:
        stocked(variant, location, 5)
    customer = CustomerFactory()
    shift_open(
        terminal=terminal,
        cashier=StaffFactory(role="cashier", pin="2468", stores=[location]),
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(0),
    )
    # The channel's first order creates its number sequence; measure a sale after that.
    warm_up = sale([{"sku": "MK-100G", "quantity": 1}], [{"method": "card", "amount": "85000"}])
    assert api.post("/api/v1/pos/sales/", warm_up, format="json").status_code == 201

    # Six of them are the sales rollups: one upsert per grain (day and month, per channel
    # and per product), one read of the customer's orders (their milestones) and, on
    # PostgreSQL, the lock of the customer's row before it.
    with django_assert_max_num_queries(31):
        response = api.post(
            "/api/v1/pos/sales/",
            sale(
                [{"sku": variant.sku, "quantity": 1} for variant in variants],
                [{"method": "cash", "amount": str(1000 * line_count), "tendered_amount": "50000"}],
                customer_id=customer.pk,
            ),
            format="json",
        )

    assert response.status_code == 201, response.json()
    assert len(response.json()["lines"]) == line_count


@pytest.mark.django_db
def test_split_tender_card_and_cash_with_change(store):
    api, _terminal, _location, _jar, _beef = store

    response = api.post(
        "/api/v1/pos/sales/",
        sale(
            [{"sku": "TT-500G", "quantity": 1}],
            [
                {"method": "card", "amount": "300000", "provider_reference": "VISA-1234"},
                {"method": "cash", "amount": "150000", "tendered_amount": "200000"},
            ],
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    payments = {p["method"]: p for p in response.json()["payments"]}
    assert (payments["card"]["amount"], payments["cash"]["amount"]) == ("300000", "150000")
    assert payments["cash"]["change_amount"] == "50000"
    assert response.json()["change_due_amount"] == "50000"


@pytest.mark.django_db
def test_staff_find_orders_with_an_open_stock_discrepancy(store, client):
    api, _terminal, location, _jar, _beef = store
    offline = api.post(
        "/api/v1/pos/sales/",
        sale([{"sku": "TT-500G", "quantity": 3, "unit_price_amount": "450000"}],
             [{"method": "card", "amount": "1350000"}], offline=True),
        format="json",
    ).json()  # fmt: skip
    online = api.post(
        "/api/v1/pos/sales/",
        sale([{"sku": "MK-100G", "quantity": 1}], [{"method": "card", "amount": "85000"}]),
        format="json",
    ).json()
    client.force_login(StaffFactory(role="store_manager", stores=[location]))

    page = client.get("/admin/orders/order/", {"discrepancy": "open"}).content.decode()

    assert offline["number"] in page
    assert online["number"] not in page


@pytest.mark.django_db
def test_a_sale_for_an_erased_customer_is_refused_and_writes_nothing(store):
    from customers.services import customer_erase

    api, _terminal, location, jar, _beef = store
    customer = CustomerFactory()
    customer_erase(customer=customer)

    response = api.post(
        "/api/v1/pos/sales/",
        sale([{"sku": "MK-100G", "quantity": 1}], [{"method": "card", "amount": "85000"}],
             customer_id=customer.pk),
        format="json",
    )  # fmt: skip

    assert response.status_code == 404
    assert list(response.json()["fields"]) == ["customer_id"]
    assert not Order.objects.exists()
    assert on_hand(jar, location) == 5
