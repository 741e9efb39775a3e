"""The shopper's order history and the POS pick-up list are paged, in flat query counts."""

import pytest
from rest_framework.test import APIClient

from orders.models import Order
from orders.views import ORDER_HISTORY_PAGE_SIZE
from tests.factories import (
    LocationFactory,
    SalesChannelFactory,
    StaffFactory,
    customer_with,
    order_minimal,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    customer = customer_with(phone="+84909908089")
    customer.user = StaffFactory(is_staff=False)
    customer.save(update_fields=["user"])
    client.force_login(customer.user)
    return customer


def _orders(count, **fields):
    web = SalesChannelFactory(code="web")
    return [order_minimal(channel=web, number=f"WEB-{n:06d}", **fields) for n in range(count)]


@pytest.mark.parametrize("count", [3, ORDER_HISTORY_PAGE_SIZE * 2 + 1])
def test_the_order_history_is_paged_in_the_same_queries(
    client, shopper, count, django_assert_max_num_queries
):
    # given
    _orders(count, customer=shopper)

    # when
    with django_assert_max_num_queries(10):
        first = client.get("/account/orders/")
    last = client.get("/account/orders/", {"page": 3})

    # then
    shown = first.content.decode().count('class="order-card"')
    assert shown == min(count, ORDER_HISTORY_PAGE_SIZE)
    assert ('class="pager"' in first.content.decode()) is (count > ORDER_HISTORY_PAGE_SIZE)
    newest = Order.objects.order_by("-placed_at", "-id").first()
    assert newest.number in first.content.decode()
    assert last.content.decode().count('class="order-card"') == (1 if count > 3 else 3)


@pytest.mark.parametrize("count", [3, 30])
def test_the_pick_up_list_is_paged_in_the_same_queries(count, django_assert_max_num_queries):
    # given
    store = LocationFactory()
    _terminal, token = terminal_with_token(location=store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    orders = _orders(count, fulfilment="pickup", location=store)

    # when
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/pos/pickups/", {"page_size": 10})

    # then: oldest first
    payload = response.json()
    assert response.status_code == 200
    assert payload["count"] == count
    assert [row["id"] for row in payload["results"]] == [order.pk for order in orders[:10]]
    assert (payload["next"] is None) is (count <= 10)
