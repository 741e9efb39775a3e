"""One points code, two sales at once (PostgreSQL): the points are spent once."""

import re
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from config.transports import memory
from customers.exceptions import CustomersError
from customers.models import LoyaltyEntry
from customers.selectors import loyalty_balance
from customers.services import loyalty_earn, points_code_send
from orders.models import Order
from orders.services import pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)


def _race(count, attempt):
    barrier, outcomes, lock = threading.Barrier(count), [], threading.Lock()

    def run():
        try:
            barrier.wait()
            outcome = attempt()
        except CustomersError as error:
            outcome = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sales_racing_on_one_points_code_spend_the_points_once():
    # given
    store = LocationFactory()
    channel_selling_from(store, kind="pos", code="pos-hg")
    terminal, _token = terminal_with_token(location=store)
    stocked(VariantFactory(sku="MK-100G", price_amount=Decimal(85000)), store, 10)
    customer = customer_with(phone="+84909908089")
    loyalty_earn(customer=customer, points=500, reference="order:WEB-1")
    points_code_send(customer=customer)
    code = re.search(r"\b(\d{6})\b", memory.sent_on("sms")[-1].body).group(1)

    def sell():
        pos_sale_submit(
            terminal=terminal,
            client_uuid=uuid.uuid4(),
            customer=customer,
            lines=[LineInput(sku="MK-100G", quantity=1)],
            tenders=[TenderInput(method="cash", amount=Decimal(75000))],
            points=100,
            points_code=code,
        )
        return "sold"

    # when
    outcomes = _race(2, sell)

    # then
    assert sorted(outcomes) == ["code_missing", "sold"]
    assert Order.objects.count() == 1
    assert LoyaltyEntry.objects.filter(kind="redeem").count() == 1
    assert loyalty_balance(customer=customer) == 500 - 100 + 7
