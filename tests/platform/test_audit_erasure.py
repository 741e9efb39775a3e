"""The erasure reads the audit trail by object and by actor, from its indexes, never the
whole trail (config/audit.py, customers.services.data_rights); what it must clean is
found that way because no tracked field holds personal data."""

import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.roles import OWNER
from customers.services import customer_erase
from inventory.models import StaffMembership
from orders.models import Order
from tests.factories import (
    LocationFactory,
    StaffFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
)

pytestmark = pytest.mark.django_db


def _entries(obj):
    return LogEntry.objects.get_for_object(obj)


def test_no_tracked_field_is_one_erasure_blanks():
    # The erasure reads only the entries of the person's objects: that is complete while
    # no model's trail records a personal field's values (its name or contact).
    for model in auditlog.get_models():
        personal = set(getattr(model, "PERSONAL_DATA_FIELDS", {}))
        tracked = set(auditlog.get_model_fields(model)["include_fields"])
        assert not tracked & personal, model


@pytest.fixture
def her():
    """Lan, whose login also works at a store, with entries on her guest order (her phone,
    no profile attached), her store membership and another shopper's order."""
    owner = StaffFactory(role=OWNER)
    login = StaffFactory(username="lan@example.vn", email="lan@example.vn")
    customer = customer_with(phone="+84909908089", email="lan@example.vn", full_name="Chị Lan")
    customer.user = login
    customer.save(update_fields=["user"])
    web = channel_selling_from(WarehouseFactory(), code="web")
    guest = order_minimal(
        channel=web, contact_phone="+84909908089", status=Order.Status.PENDING_PAYMENT
    )
    other = order_minimal(
        channel=web, contact_phone="+84912000111", status=Order.Status.PENDING_PAYMENT
    )
    with set_actor(owner):
        StaffMembership.objects.create(user=login, location=LocationFactory())
        for order in (guest, other):
            order.status = Order.Status.CANCELLED
            order.save(update_fields=["status"])
    return owner, customer, guest, other


def test_the_erasure_cleans_the_entries_of_every_object_that_showed_her_data(her):
    owner, customer, guest, other = her
    untouched = list(_entries(other).values())

    customer_erase(customer=customer, actor=owner)

    rows = json.dumps(list(LogEntry.objects.values()), default=str, ensure_ascii=False)
    assert "lan@example.vn" not in rows  # the membership's "user @ store" is cleaned
    [guest_entry] = _entries(guest)
    assert guest_entry.changes == {"status": ["pending_payment", "cancelled"]}
    assert list(_entries(other).values()) == untouched


@pytest.mark.postgres
def test_postgresql_reads_the_trail_for_the_erasure_from_its_indexes(her, monkeypatch):
    owner, customer, _guest, _other = her
    # given: the planner told to prefer an index wherever one can serve; every read sent
    # as a plain statement (not a server-side cursor), so that each is captured
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)

    # when: the erasure runs, and each of its statements on the trail is explained
    with CaptureQueriesContext(connection) as captured:
        customer_erase(customer=customer, actor=owner)
    table = LogEntry._meta.db_table
    statements = [
        query["sql"]
        for query in captured.captured_queries
        if f'"{table}"' in query["sql"] and query["sql"].startswith(("SELECT", "UPDATE"))
    ]
    plans = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))

    # then: her login's entries, her objects' entries and their rewrite; none reads the
    # whole trail, her objects' entries come from the object index
    for plan in plans:
        assert f"Seq Scan on {table}" not in plan, plan
    assert len(plans) == 3, statements
    assert "auditlog_logentry_object_pk" in plans[1], plans[1]
