"""A merge moves the customers' milestones in the sales rollups in its own transaction:
right after it, the dashboard's new, returning, repeat and two-channel figures are those
that ``reports_rebuild`` would compute, without the rebuild."""

import threading
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum

from config.roles import OWNER
from customers.exceptions import MergeNotAllowed
from customers.services import customer_merge
from inventory.models import Variant
from orders.models import DailyChannelSales, MonthlyChannelSales, OrderLine
from orders.services.rollups import rollup_order_placed
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    order_minimal,
)

pytestmark = pytest.mark.django_db
URL = "/admin/reports/"
PRICE = Decimal(85000)
PERIODS = [
    {"start": "2026-09-01", "end": "2026-11-30", "grain": "month"},
    {"start": "2026-09-15", "end": "2026-11-25", "grain": "month"},
    {"start": "2026-10-01", "end": "2026-11-30", "grain": "day"},
    {"start": "2026-11-01", "end": "2026-11-30", "grain": "week"},
]


def _order(channel, customer, day, location=None):
    """An order of one jar of pepper, counted in the rollups as the order doors count it."""
    placed_at = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)  # noon in Hà Nội
    order = order_minimal(channel=channel, customer=customer, location=location,
                          placed_at=placed_at, subtotal_amount=PRICE)  # fmt: skip
    pepper = Variant.objects.get(sku="MK-100G")
    line = OrderLine.objects.create(
        order=order, variant=pepper, sku=pepper.sku, name="Mắc khén",
        quantity=1, unit_price_amount=PRICE, total_amount=PRICE,
    )  # fmt: skip
    with transaction.atomic():  # it locks the customer's row on PostgreSQL
        rollup_order_placed(order=order, lines=[line])
    return order


@pytest.fixture
def two_profiles():
    """Mai bought on the web in September and at the till in November; her second profile
    (the phone she gave at the till) bought at the till in October and on the web in
    November, in between."""
    hang_giay = LocationFactory(name="Showroom Hàng Giấy")
    VariantFactory(sku="MK-100G", price_amount=PRICE)
    pos = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    web = channel_selling_from(hang_giay, kind="web", code="web", name="Web")
    mai, mai_phone = CustomerFactory(), CustomerFactory()
    _order(web, mai, date(2026, 9, 20))
    _order(pos, mai_phone, date(2026, 10, 5), hang_giay)
    _order(web, mai_phone, date(2026, 11, 10))
    _order(pos, mai, date(2026, 11, 20), hang_giay)
    return mai, mai_phone


def _figures(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    sales, customers = response.context["sales"], response.context["customers"]
    return {
        "total": sales.total,
        "channels": sales.channels,
        "buckets": sales.buckets,
        "now": customers.now,
        "before": customers.before,
        "new": (customers.new_count, customers.previous_new_count),
        "returning": (customers.returning_count, customers.previous_returning_count),
    }


def _milestone_rows():
    fields = ("new_customer_count", "returning_order_count", "repeat_customer_count",
              "multichannel_customer_count")  # fmt: skip
    return (
        sorted(DailyChannelSales.objects.values_list("on", "channel_id", "store_key", *fields)),
        sorted(
            MonthlyChannelSales.objects.values_list("month", "channel_id", "store_key", *fields)
        ),
    )


def test_after_a_merge_the_dashboard_counts_one_customer_as_a_rebuild_would(client, two_profiles):
    # given: two profiles, each a new customer who came back in a second channel
    mai, mai_phone = two_profiles
    client.force_login(StaffFactory(role=OWNER))
    before = _figures(client, PERIODS[0])
    assert (before["new"][0], before["returning"][0]) == (2, 2)
    assert (before["now"].customer_count, before["now"].repeat_count,
            before["now"].multichannel_count) == (2, 2, 2)  # fmt: skip

    # when
    customer_merge(target=mai, source=mai_phone, actor=None)

    # then: one customer with four orders (one new, three returning), who bought twice
    # and in two channels ...
    merged = {index: _figures(client, params) for index, params in enumerate(PERIODS)}
    assert (merged[0]["new"][0], merged[0]["returning"][0]) == (1, 3)
    assert (merged[0]["now"].customer_count, merged[0]["now"].repeat_count,
            merged[0]["now"].multichannel_count) == (1, 1, 1)  # fmt: skip
    assert (merged[0]["total"].current.order_count, merged[0]["total"].current.units) == (4, 4)
    # ... as the rebuild counts it, day and month rows alike, for every period and grain
    rows = _milestone_rows()
    call_command("reports_rebuild", verbosity=0)
    assert _milestone_rows() == rows
    for index, params in enumerate(PERIODS):
        assert _figures(client, params) == merged[index], params


def test_merging_a_profile_without_orders_moves_no_milestone(two_profiles):
    # given
    mai, _mai_phone = two_profiles
    rows = _milestone_rows()

    # when
    customer_merge(target=mai, source=CustomerFactory(), actor=None)

    # then
    assert _milestone_rows() == rows


def test_a_refused_merge_moves_no_milestone(two_profiles):
    # given: the second profile was already merged into a third
    mai, mai_phone = two_profiles
    customer_merge(target=CustomerFactory(), source=mai_phone, actor=None)
    rows = _milestone_rows()

    # when
    with pytest.raises(MergeNotAllowed):
        customer_merge(target=mai, source=mai_phone, actor=None)

    # then
    assert _milestone_rows() == rows


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sale_to_the_survivor_during_a_merge_counts_after_it_as_a_rebuild_would(
    monkeypatch,
):
    # given: the two profiles, and a till at Hàng Giấy with pepper on the shelf
    from customers.services import merge as merge_service
    from orders.services import pos_sale_submit
    from orders.services.placing import LineInput, TenderInput
    from tests.factories import stocked, terminal_with_token
    from tests.orders.test_lock_order import _someone_waits_for_a_lock

    hang_giay = LocationFactory(name="Showroom Hàng Giấy")
    pepper = VariantFactory(sku="MK-100G", price_amount=PRICE)
    stocked(pepper, hang_giay, 10)
    pos = channel_selling_from(hang_giay, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    web = channel_selling_from(hang_giay, kind="web", code="web", name="Web")
    mai, mai_phone = CustomerFactory(), CustomerFactory()
    _order(web, mai_phone, date(2026, 9, 20))
    _order(pos, mai, date(2026, 10, 5), hang_giay)
    terminal, _token = terminal_with_token(location=hang_giay)
    # the merge, holding both profiles, moves the rows only once the sale waits for it
    merge_holds = threading.Event()
    real_move = merge_service._rows_move
    saw_the_sale_wait = []

    def move_after_the_sale_waits(**kwargs):
        merge_holds.set()
        saw_the_sale_wait.append(_someone_waits_for_a_lock())
        return real_move(**kwargs)

    monkeypatch.setattr(merge_service, "_rows_move", move_after_the_sale_waits)
    answers = {}

    def merge():
        answers["merge"] = customer_merge(target=mai, source=mai_phone, actor=None)

    def sell():
        assert merge_holds.wait(timeout=10)
        answers["sale"], _ = pos_sale_submit(
            terminal=terminal, client_uuid=uuid.uuid4(), customer=mai,
            lines=[LineInput(sku=pepper.sku, quantity=1)],
            tenders=[TenderInput(method="cash", amount=PRICE)],
        )  # fmt: skip

    def run_closing(target):
        try:
            target()
        finally:
            connection.close()

    threads = [threading.Thread(target=run_closing, args=(t,)) for t in (merge, sell)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: the sale waited for the merge; both went through; the milestones (one customer,
    # three orders: one new, two returning, two channels) are what the rebuild computes
    assert saw_the_sale_wait == [True]
    assert set(answers) == {"merge", "sale"}
    rows = _milestone_rows()
    call_command("reports_rebuild", verbosity=0)
    assert _milestone_rows() == rows
    totals = MonthlyChannelSales.objects.aggregate(
        new=Sum("new_customer_count"), returning=Sum("returning_order_count"),
        repeat=Sum("repeat_customer_count"), multichannel=Sum("multichannel_customer_count"),
    )  # fmt: skip
    assert totals == {"new": 1, "returning": 2, "repeat": 1, "multichannel": 1}
