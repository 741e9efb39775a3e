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

from orders.models import Order, Return
from orders.services import returns as returns_service
from tests.factories import StaffFactory
from tests.orders.till_setup import a_sale


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


def _started(target) -> threading.Thread:
    """``target`` running in a thread of its own, which closes its connection at the end."""

    def run_closing():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run_closing)
    thread.start()
    return thread


def _a_return_racing(other, *, till, order, cashier, held_at, monkeypatch):
    """The cashier takes the order's one jar back at the till while ``other`` runs.

    The return, come to ``returns_service.<held_at>`` inside its transaction (holding
    what it locked before), lets ``other`` start and waits until some connection is
    stuck on a lock; then it goes on. Answers the return's response, what ``other``
    returned, and ``[True]`` if the wait was seen (``[False]`` if not)."""
    reached, saw_a_wait, answers = threading.Event(), [], {}
    real = getattr(returns_service, held_at)

    def held(**kwargs):
        reached.set()
        saw_a_wait.append(_someone_waits_for_a_lock())
        return real(**kwargs)

    monkeypatch.setattr(returns_service, held_at, held)

    def give_back():
        answers["return"] = till.client().post(
            "/api/v1/pos/returns/",
            {"client_uuid": str(uuid.uuid4()), "order_number": order.number,
             "lines": [{"order_line_id": order.lines.get().pk, "quantity": 1}],
             "reason": "x", "cashier_id": cashier.pk},
            format="json",
        )  # fmt: skip

    def then_other():
        assert reached.wait(timeout=10)
        answers["other"] = other()

    for thread in [_started(give_back), _started(then_other)]:
        thread.join(timeout=30)
    return answers["return"], answers["other"], saw_a_wait


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cash_return_and_a_cash_sale_at_one_till_wait_for_each_other_without_deadlock(
    till, monkeypatch
):
    # given: a till with an open shift, and a cash sale to bring back
    cashier, _shift = till.cashier_on_shift(opening_float_amount=Decimal(500000))

    def sell():
        return till.client().post(
            "/api/v1/pos/sales/", a_sale(cashier_id=cashier.pk), format="json"
        )

    first = sell()
    assert first.status_code == 201
    order = Order.objects.get(number=first.json()["number"])

    # when: a second sale comes while the return, about to take the drawer, holds the stock
    returned, sold_again, saw_the_sale_wait = _a_return_racing(
        sell, till=till, order=order, cashier=cashier, held_at="shift_cash_record",
        monkeypatch=monkeypatch,
    )  # fmt: skip

    # then: the sale waited for the return, and both went through
    assert saw_the_sale_wait == [True]
    assert returned.status_code == 201, returned.json()
    assert sold_again.status_code == 201, sold_again.json()
    assert Return.objects.count() == 1
    assert Order.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_return_and_a_merge_of_its_customer_wait_for_each_other_without_deadlock(
    till, monkeypatch
):
    # given: a card sale to a known customer, who earned points on it
    from customers.models import CustomerMerge
    from customers.services import customer_merge
    from tests.factories import CustomerFactory

    cashier = StaffFactory(role="cashier", stores=[till.store])
    buyer, keeper = CustomerFactory(), CustomerFactory()
    sold = till.api.post(
        "/api/v1/pos/sales/",
        a_sale(payments=[{"method": "card", "amount": "85000"}], customer_id=buyer.pk),
        format="json",
    )
    assert sold.status_code == 201
    order = Order.objects.get(number=sold.json()["number"])

    # when: the return, holding the stock and the order, takes the points back only once
    # the merge of that customer is stuck behind it
    returned, merged, saw_the_merge_wait = _a_return_racing(
        lambda: customer_merge(target=keeper, source=buyer), till=till, order=order,
        cashier=cashier, held_at="loyalty_reverse", monkeypatch=monkeypatch,
    )  # fmt: skip

    # then: the merge waited for the return; both done, the order and its points moved
    assert saw_the_merge_wait == [True]
    assert returned.status_code == 201, returned.json()
    assert isinstance(merged, CustomerMerge)
    assert Order.objects.get(pk=order.pk).customer_id == keeper.pk
    assert Return.objects.get().points_reversed == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pos_sale_holds_no_number_lock_while_it_sells(till, monkeypatch):
    # given: a till, and a sale held inside its transaction just before it takes the stock
    from orders.services import pos as pos_service
    from orders.services.numbers import order_number_and_id_take

    order_number_and_id_take(channel=till.channel)  # the channel's counter row exists
    inside, go_on = threading.Event(), threading.Event()
    real_stock_take = pos_service._stock_take

    def held(sale):
        inside.set()
        assert go_on.wait(timeout=10)
        return real_stock_take(sale)

    monkeypatch.setattr(pos_service, "_stock_take", held)
    answers = {}

    def sell():
        answers["sale"] = till.client().post("/api/v1/pos/sales/", a_sale(), format="json")

    thread = _started(sell)
    assert inside.wait(timeout=10)

    # when: another till of the channel takes a number meanwhile
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        number, _order_id = order_number_and_id_take(channel=till.channel)
    finally:
        go_on.set()
        thread.join(timeout=30)

    # then: it did not wait on the sale (a lock would have timed out), and both stand
    assert number == "POS-HG-000003"
    assert answers["sale"].status_code == 201, answers["sale"].json()
    assert answers["sale"].json()["number"] == "POS-HG-000002"
