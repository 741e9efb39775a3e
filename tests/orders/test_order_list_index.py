import pytest

from tests.factories import LocationFactory, channel_selling_from, order_minimal


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_reads_the_newest_orders_from_an_index_not_a_sort():
    from django.db import connection

    from orders.models import Order

    # given
    channel = channel_selling_from(LocationFactory())
    for _ in range(3):
        order_minimal(channel=channel)

    # when: the admin's order list, first page (the model's ordering: newest first). Three
    # rows make any plan cheap, so scans and sorts are priced out: without an index that
    # gives this order, the plan would still have to sort (a disabled node is kept when it
    # is the only way), and with it, it need not.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = Order.objects.select_related("channel", "location", "customer")[:100].explain()

    # then: 100 entries of the index, however many orders there are
    assert "orders_order_placed_idx" in plan, plan
    assert "Sort" not in plan, plan
