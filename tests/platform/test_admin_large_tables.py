"""Changelists over tables that grow without bound never count all their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.admin import CappedCountPaginator
from config.roles import OWNER
from customers.models import Customer
from tests.factories import StaffFactory

LARGE_CHANGELISTS = [
    "/admin/orders/order/",
    "/admin/customers/customer/",
    "/admin/customers/event/",
    "/admin/inventory/stockmovement/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", LARGE_CHANGELISTS)
def test_a_large_tables_changelist_counts_within_a_cap(client, path):
    # given
    client.force_login(StaffFactory(role=OWNER))

    # when
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)

    # then: every COUNT is over a LIMITed subquery
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts), counts


@pytest.mark.django_db
def test_the_capped_count_stops_at_the_cap(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 3)
    Customer.objects.bulk_create(Customer(full_name=f"Khách {n}") for n in range(5))

    paginator = CappedCountPaginator(Customer.objects.order_by("pk"), 2)

    assert (paginator.count, paginator.num_pages) == (3, 2)
    assert [c.full_name for c in paginator.page(1)] == ["Khách 0", "Khách 1"]
