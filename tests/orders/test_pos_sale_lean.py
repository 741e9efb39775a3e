"""The POS sale's lean path: its answer is OrderOutput's JSON, and a 3-line sale costs a
known number of statements."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import SalesChannel
from orders.api.serializers import OrderOutput
from orders.api.serializers.sales import order_output_lean
from orders.models import Order
from orders.selectors import order_list, pos_channel_get, terminal_by_token
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
from tests.orders.test_api_pos_sales import sale
from tests.orders.test_api_pos_sales import store as store_fixture

store = store_fixture  # a store with its POS channel, a terminal, two stocked variants

# Counted (on PostgreSQL: BEGIN and COMMIT too, in the bench; here the test's savepoint):
# the terminal with its open shift's id and its store's POS channel, the customer, the
# number (its own statement, committed at once); in the sale's transaction the variants
# (with the combos' stamp: the combos themselves are kept in the process,
# orders.services.bundles), the order, its lines, its payment, the points, both timeline
# events (one INSERT), the stock levels locked, then decremented and their movements
# written (one statement on PostgreSQL, two on SQLite), the shift locked and its cash (and,
# on PostgreSQL, the customer's row: two orders of one customer committing at once must
# not both count as their first; SQLite runs one writer at a time), and the rollups: the
# read of the customer's orders (their milestones) and the day and month upserts per
# channel and per product (five statements on SQLite; one on PostgreSQL, the read inside).
# History: 27 with two rollup upserts and no month rows; 25 before the month rows; 28 (29
# on PostgreSQL) with them; then without the points' and the stock's savepoints (4) and
# the re-read of the channel's locations (1): 23 (24); the rollup upserts as one statement
# on PostgreSQL: 23 (21); the combos kept in the process: 22 (20); the POS channel read
# with the terminal: 21 (19); the stock's decrement and movements as one statement on
# PostgreSQL: 21 (18); the lines, payment, points and events as one statement on PostgreSQL
# (config.inserts.rows_insert): 21 (15); the order too, its id taken with its number: 21 (14);
# the shift locked and the cash put in its drawer in one statement on PostgreSQL: 21 (13);
# the stock locked, checked, decremented and its movements written in one statement: 21 (12);
# the customer's row locked in the shift's statement (orders.locks): 21 (11); the
# milestones read and worked out in the upserts' statement (orders.services.rollups): 21 (10).
THREE_LINE_SALE_QUERIES = {"sqlite": 21, "postgresql": 10}


def three_line_sale_queries() -> int:
    return THREE_LINE_SALE_QUERIES[connection.vendor]


def open_shift(terminal, location):
    shift_open(
        terminal=terminal,
        cashier=StaffFactory(role="cashier", pin="2468", stores=[location]),
        pin="2468",
        client_uuid=uuid.uuid4(),
        opening_float_amount=Decimal(0),
    )


@pytest.mark.django_db
def test_a_three_line_sale_costs_a_known_number_of_statements(store, django_assert_num_queries):
    # given: a till with an open shift, after the channel's first sale
    api, terminal, location, _jar, _beef = store
    open_shift(terminal, location)
    tea = VariantFactory(sku="TRA-100G", price_amount=Decimal(120000))
    stocked(tea, location, 5)
    customer = CustomerFactory()
    warm_up = sale([{"sku": "MK-100G", "quantity": 1}], [{"method": "card", "amount": "85000"}])
    assert api.post("/api/v1/pos/sales/", warm_up, format="json").status_code == 201

    # when / then
    with django_assert_num_queries(three_line_sale_queries()):
        response = api.post(
            "/api/v1/pos/sales/",
            sale(
                [{"sku": sku, "quantity": 1} for sku in ("MK-100G", "TT-500G", "TRA-100G")],
                [{"method": "cash", "amount": "655000", "tendered_amount": "700000"}],
                customer_id=customer.pk,
            ),
            format="json",
        )
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payments, extra",
    [
        ([{"method": "cash", "amount": "535000", "tendered_amount": "600000"}], {}),
        (
            [
                {"method": "card", "amount": "35000", "provider_reference": "VISA-1"},
                {"method": "cash", "amount": "500000", "tendered_amount": "500000"},
            ],
            {"note": "Khách quen"},
        ),
        ([{"method": "cash", "amount": "535000"}], {"offline": True}),
    ],
)
def test_the_lean_answer_is_the_order_serializers_json(store, payments, extra):
    # given
    api, terminal, location, _jar, _beef = store
    open_shift(terminal, location)
    body = sale(
        [{"sku": "MK-100G", "quantity": 1}, {"sku": "TT-500G", "quantity": 1}],
        payments,
        customer_id=CustomerFactory().pk,
        **extra,
    )

    # when: sent, then sent again (a replay, read back from the database)
    first = api.post("/api/v1/pos/sales/", body, format="json")
    again = api.post("/api/v1/pos/sales/", body, format="json")

    # then: both the JSON the generic serializer makes of the stored order
    assert (first.status_code, again.status_code) == (201, 200), first.json()
    stored = OrderOutput(order_list().get(pk=first.json()["id"])).data
    assert first.json() == again.json() == dict(stored)
    assert order_output_lean(Order.objects.prefetch_related("lines", "payments").get()) == (
        dict(stored)
    )


def cash_jar_sale(terminal):
    """One jar paid in cash, rung up at ``terminal`` as its authentication read it."""
    from orders.services.placing import LineInput, TenderInput
    from orders.services.pos import pos_sale_submit

    return pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        lines=[LineInput(sku="MK-100G", quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
    )


@pytest.mark.django_db
def test_a_shift_opened_after_the_terminal_was_read_gets_the_sale(store):
    # given: the terminal as its authentication read it, before its shift opened
    _api, terminal, location, _jar, _beef = store
    terminal.open_shift_id = None
    open_shift(terminal, location)

    # when
    order, created = cash_jar_sale(terminal)

    # then: filed under the shift open when the sale locked it, its cash counted in
    order.refresh_from_db()
    assert created and order.shift is not None and not order.late_sync
    assert list(
        order.shift.cash_movements.filter(kind="sale").values_list("amount", flat=True)
    ) == [Decimal(85000)]


@pytest.mark.django_db
def test_a_shift_closed_after_the_terminal_was_read_leaves_the_sale_for_late_sync(store):
    from orders.services.shifts import shift_close

    _api, terminal, location, _jar, _beef = store
    open_shift(terminal, location)
    shift = terminal.shifts.get()
    terminal.open_shift_id = shift.pk
    shift_close(shift=shift, counted_amount=Decimal(0))

    order, _created = cash_jar_sale(terminal)

    order.refresh_from_db()
    assert order.shift is None and order.late_sync
    assert not shift.cash_movements.filter(kind="sale").exists()


@pytest.mark.django_db
def test_a_shift_replaced_after_the_terminal_was_read_hands_sale_and_cash_to_the_new(store):
    # given: the terminal read with its shift open; then that shift closed, another opened
    from orders.services.shifts import shift_close

    _api, terminal, location, _jar, _beef = store
    open_shift(terminal, location)
    first = terminal.shifts.get()
    terminal.open_shift_id = first.pk
    shift_close(shift=first, counted_amount=Decimal(0))
    open_shift(terminal, location)
    second = terminal.shifts.get(closed_at__isnull=True)

    # when: a cash sale is rung up
    order, _created = cash_jar_sale(terminal)

    # then: the sale and its cash are the open shift's, the closed one's drawer untouched
    order.refresh_from_db()
    assert order.shift == second and not order.late_sync
    assert not first.cash_movements.filter(kind="sale").exists()
    assert list(second.cash_movements.filter(kind="sale").values_list("amount", flat=True)) == [
        Decimal(85000)
    ]


@pytest.mark.django_db
def test_the_channel_read_with_the_terminal_is_the_stores_pos_channel():
    # given
    location = LocationFactory()
    channel = channel_selling_from(location, kind="pos", code="pos-lean")
    _terminal, token = terminal_with_token(location=location)

    # when: built from the authentication's row
    built = pos_channel_get(terminal=terminal_by_token(token=token))

    # then: the stored row, field for field; none once the channel is switched off
    fields = [field.attname for field in SalesChannel._meta.concrete_fields]
    stored = SalesChannel.objects.get(pk=channel.pk)
    assert [getattr(built, name) for name in fields] == [getattr(stored, name) for name in fields]
    SalesChannel.objects.filter(pk=channel.pk).update(is_active=False)
    assert pos_channel_get(terminal=terminal_by_token(token=token)) is None
