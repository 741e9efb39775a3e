import threading

import pytest
from django.db import connection, transaction

from orders.services import order_number_next
from tests.factories import SalesChannelFactory


@pytest.mark.django_db
def test_numbers_run_per_channel_with_the_channel_prefix():
    web = SalesChannelFactory(code="web")
    shopee = SalesChannelFactory(code="shopee", kind="marketplace")

    numbers = [order_number_next(channel=web), order_number_next(channel=shopee)]
    numbers.append(order_number_next(channel=web))

    assert numbers == ["WEB-000001", "SHOPEE-000001", "WEB-000002"]


@pytest.mark.django_db
def test_a_rolled_back_order_gives_its_number_back():
    web = SalesChannelFactory(code="web")
    order_number_next(channel=web)

    with pytest.raises(RuntimeError), transaction.atomic():
        order_number_next(channel=web)
        raise RuntimeError("checkout failed after numbering")

    assert order_number_next(channel=web) == "WEB-000002"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_never_share_a_number():
    web = SalesChannelFactory(code="web")
    order_number_next(channel=web)  # the sequence row exists before the race
    numbers, barrier = [], threading.Barrier(16)

    def take():
        barrier.wait()
        try:
            for _ in range(10):
                numbers.append(order_number_next(channel=web))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(numbers) == 160
    assert sorted(numbers) == [f"WEB-{value:06d}" for value in range(2, 162)]
