"""The global lock order (docs/architecture.md) holds between a sale and a return.

A cash return at a till locks the stock level the goods go back on, then the order, then
the shift's drawer; a cash sale at that till takes the same stock level before the
shift. The return is held inside its transaction, holding the stock, until PostgreSQL
shows the sale waiting for a lock; then it goes on to the shift. Taken in one order, the
sale simply waits and both succeed; a sale that locked the shift before the stock (as it
once did) would hold what the return needs next: a deadlock, one of them aborted.
"""

import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from orders.models import Order, Return
from orders.services import returns as returns_service
from orders.services import shift_open
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


def _someone_waits_for_a_lock(timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # pg_stat_activity is a snapshot kept for the transaction: drop it each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cash_return_and_a_cash_sale_at_one_till_wait_for_each_other_without_deadlock(
    monkeypatch,
):
    # given: a till with an open shift, and a cash sale to bring back
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=showroom)
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, showroom, 5)
    cashier = StaffFactory(role="cashier", pin="2468", stores=[showroom])
    shift_open(terminal=terminal, cashier=cashier, pin="2468", client_uuid=uuid.uuid4(),
               opening_float_amount=Decimal(500000))  # fmt: skip

    def sell():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api.post(
            "/api/v1/pos/sales/",
            {"client_uuid": str(uuid.uuid4()), "lines": [{"sku": "MK-100G", "quantity": 1}],
             "payments": [{"method": "cash", "amount": "85000"}], "cashier_id": cashier.pk},
            format="json",
        )  # fmt: skip

    first = sell()
    assert first.status_code == 201
    order = Order.objects.get(number=first.json()["number"])

    # the return, about to take the drawer, waits until the sale is stuck on a lock
    return_holds_stock = threading.Event()
    real_cash_record = returns_service.shift_cash_record
    saw_the_sale_wait = []

    def cash_record_after_the_sale_waits(**kwargs):
        return_holds_stock.set()
        saw_the_sale_wait.append(_someone_waits_for_a_lock())
        return real_cash_record(**kwargs)

    monkeypatch.setattr(returns_service, "shift_cash_record", cash_record_after_the_sale_waits)
    answers = {}

    def give_back():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        answers["return"] = api.post(
            "/api/v1/pos/returns/",
            {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
             "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
             "reason": "x", "cashier_id": cashier.pk},
            format="json",
        )  # fmt: skip

    def second_sale():
        assert return_holds_stock.wait(timeout=10)
        answers["sale"] = sell()

    def run_closing(target):
        try:
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run_closing, args=(t,)) for t in (give_back, second_sale)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: the sale waited for the return, and both went through
    assert saw_the_sale_wait == [True]
    assert answers["return"].status_code == 201, answers["return"].json()
    assert answers["sale"].status_code == 201, answers["sale"].json()
    assert Return.objects.count() == 1
    assert Order.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_return_and_a_merge_of_its_customer_wait_for_each_other_without_deadlock(
    monkeypatch,
):
    # given: a card sale to a known customer, who earned points on it
    from customers.models import CustomerMerge
    from customers.services import customer_merge
    from tests.factories import CustomerFactory

    showroom = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=showroom)
    stocked(VariantFactory(sku="MK-100G", price_amount=Decimal(85000)), showroom, 5)
    cashier = StaffFactory(role="cashier", stores=[showroom])
    buyer, keeper = CustomerFactory(), CustomerFactory()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    sold = api.post(
        "/api/v1/pos/sales/",
        {"client_uuid": str(uuid.uuid4()), "lines": [{"sku": "MK-100G", "quantity": 1}],
         "payments": [{"method": "card", "amount": "85000"}], "customer_id": buyer.pk},
        format="json",
    )  # fmt: skip
    assert sold.status_code == 201
    order = Order.objects.get(number=sold.json()["number"])

    # the return, holding the stock and the order, takes the points back only once the
    # merge of that customer is stuck behind it
    return_holds_order = threading.Event()
    real_reverse = returns_service.loyalty_reverse
    saw_the_merge_wait = []

    def reverse_after_the_merge_waits(**kwargs):
        return_holds_order.set()
        saw_the_merge_wait.append(_someone_waits_for_a_lock())
        return real_reverse(**kwargs)

    monkeypatch.setattr(returns_service, "loyalty_reverse", reverse_after_the_merge_waits)
    answers = {}

    def give_back():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        answers["return"] = client.post(
            "/api/v1/pos/returns/",
            {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
             "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
             "reason": "x", "cashier_id": cashier.pk},
            format="json",
        )  # fmt: skip

    def merge():
        assert return_holds_order.wait(timeout=10)
        answers["merge"] = customer_merge(target=keeper, source=buyer)

    def run_closing(target):
        try:
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run_closing, args=(t,)) for t in (give_back, merge)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: the merge waited for the return; both done, the order and its points moved
    assert saw_the_merge_wait == [True]
    assert answers["return"].status_code == 201, answers["return"].json()
    assert isinstance(answers["merge"], CustomerMerge)
    assert Order.objects.get(pk=order.pk).customer_id == keeper.pk
    assert Return.objects.get().points_reversed == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pos_sale_holds_no_number_lock_while_it_sells(monkeypatch):
    # given: a till, and a sale held inside its transaction just before it takes the stock
    from orders.services import pos as pos_service
    from orders.services.numbers import order_number_take

    showroom = LocationFactory(name="Showroom Hàng Giấy")
    channel = channel_selling_from(showroom, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=showroom)
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, showroom, 5)
    order_number_take(channel=channel)  # the channel's counter row exists
    inside, go_on = threading.Event(), threading.Event()
    real_stock_take = pos_service._stock_take

    def held(sale):
        inside.set()
        assert go_on.wait(timeout=10)
        return real_stock_take(sale)

    monkeypatch.setattr(pos_service, "_stock_take", held)
    answers = {}

    def sell():
        try:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            answers["sale"] = api.post(
                "/api/v1/pos/sales/",
                {"client_uuid": str(uuid.uuid4()), "lines": [{"sku": "MK-100G", "quantity": 1}],
                 "payments": [{"method": "cash", "amount": "85000"}]},
                format="json",
            )  # fmt: skip
        finally:
            connection.close()

    thread = threading.Thread(target=sell)
    thread.start()
    assert inside.wait(timeout=10)

    # when: another till of the channel takes a number meanwhile
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        number = order_number_take(channel=channel)
    finally:
        go_on.set()
        thread.join(timeout=30)

    # then: it did not wait on the sale (a lock would have timed out), and both stand
    assert number == "POS-HG-000003"
    assert answers["sale"].status_code == 201, answers["sale"].json()
    assert answers["sale"].json()["number"] == "POS-HG-000002"
