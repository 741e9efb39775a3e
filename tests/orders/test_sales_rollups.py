"""The daily sales rollups follow every order, cancellation and return, and the rebuild
command recomputes the same figures from scratch."""

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from inventory.models import SalesChannel, StockLevel
from orders.marketplaces.services.convergence import order_converge
from orders.models import (
    DailyChannelSales,
    DailySales,
    MonthlyChannelSales,
    MonthlySales,
    Order,
    ReturnLine,
)
from orders.services import (
    ReturnLineInput,
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    marketplace_order_ingest,
    order_cancel,
    order_complete,
    order_place,
    order_return,
    pos_sale_submit,
)
from orders.services.placing import LineInput, TenderInput
from orders.services.rollups import shop_day
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)
from tests.orders.test_pos_sale_lean import open_shift

ADDRESS = {"line1": "12 Hàng Bạc", "city": "Hà Nội"}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# 22:00 in Hà Nội on 29 November: the steps below straddle the shop's midnight.
START = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(warehouse, showroom, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    channel_selling_from(warehouse, kind="marketplace", code="lazada")
    terminal, _token = terminal_with_token(location=showroom)
    # A second till with its shift open: its cash sales lock the customer in the shift's
    # statement and, on PostgreSQL, read the milestones in the upserts' own statement.
    open_till, _token = terminal_with_token(location=showroom, name="Quầy 2")
    open_shift(open_till, showroom)
    variants = [
        VariantFactory(sku="TT-1KG", price_amount=Decimal(900000)),
        VariantFactory(sku="MK-100G", price_amount=Decimal(85000)),
        VariantFactory(sku="CHE-200G", price_amount=Decimal(120000)),
    ]
    for variant in variants:
        stocked(variant, warehouse, 100_000)
        stocked(variant, showroom, 100_000)
    return {
        "web": web,
        "lazada": SalesChannel.objects.get(code="lazada"),
        "terminal": terminal,
        "open_till": open_till,
        "showroom": showroom,
        "variants": variants,
    }


MILESTONES = ("new", "returning", "repeat", "multichannel")


def recount_milestones():
    """Brute force: walk each customer's orders that are not cancelled, oldest id first."""
    rows = defaultdict(lambda: [0, 0, 0, 0])
    seen = defaultdict(list)  # customer → channels of their orders so far
    for order in (
        Order.objects.exclude(status=Order.Status.CANCELLED)
        .filter(customer__isnull=False)
        .order_by("pk")
    ):
        key = (order.placed_at.astimezone(VN).date(), order.channel_id, order.location_id)
        earlier = seen[order.customer_id]
        channels = set(earlier)
        rows[key][0] += not earlier
        rows[key][1] += bool(earlier)
        rows[key][2] += len(earlier) == 1
        rows[key][3] += order.channel_id not in channels and len(channels) == 1
        earlier.append(order.channel_id)
    return _nonzero(rows)


def by_month(rows):
    """Day rows summed into their months' rows (the brute force of the month grain)."""
    months = defaultdict(lambda: None)
    for (day, *rest), figures in rows.items():
        key = (day.replace(day=1), *rest)
        months[key] = (
            tuple(figures)
            if months[key] is None
            else tuple(a + b for a, b in zip(months[key], figures, strict=True))
        )
    return _nonzero(months)


def recount():
    """Brute force: every order and return row, summed in Python."""
    channel_rows = defaultdict(lambda: [0, 0, Decimal(0), 0, Decimal(0)])
    product_rows = defaultdict(lambda: [0, 0, Decimal(0), 0, Decimal(0)])
    for order in Order.objects.prefetch_related("lines"):
        if order.status == Order.Status.CANCELLED:
            continue
        key = (order.placed_at.astimezone(VN).date(), order.channel_id, order.location_id)
        channel_rows[key][0] += 1
        for variant_id in {line.variant_id for line in order.lines.all()}:
            product_rows[(*key, variant_id)][0] += 1
        for line in order.lines.all():
            for rows, row_key in ((channel_rows, key), (product_rows, (*key, line.variant_id))):
                rows[row_key][1] += line.quantity
                rows[row_key][2] += line.total_amount
    for line in ReturnLine.objects.select_related("return_record", "order_line__order"):
        order = line.order_line.order
        key = (line.return_record.created_at.astimezone(VN).date(), order.channel_id,
               order.location_id)  # fmt: skip
        for rows, row_key in (
            (channel_rows, key),
            (product_rows, (*key, line.order_line.variant_id)),
        ):
            rows[row_key][3] += line.quantity
            rows[row_key][4] += line.refund_amount
    return _nonzero(channel_rows), _nonzero(product_rows)


def _nonzero(rows):
    return {key: tuple(figures) for key, figures in rows.items() if any(figures)}


FIGURES = ("order_count", "units", "revenue_amount", "returned_units", "returned_amount")


def rolled_up(channel_model=DailyChannelSales, product_model=DailySales, on="on"):
    channel_rows = {
        (getattr(row, on), row.channel_id, row.location_id): tuple(getattr(row, f) for f in FIGURES)
        for row in channel_model.objects.all()
    }
    product_rows = {
        (getattr(row, on), row.channel_id, row.location_id, row.variant_id): tuple(
            getattr(row, f) for f in FIGURES
        )
        for row in product_model.objects.all()
    }
    return _nonzero(channel_rows), _nonzero(product_rows)


def rolled_up_months():
    return rolled_up(MonthlyChannelSales, MonthlySales, "month")


def rolled_up_milestones(model=DailyChannelSales, on="on"):
    names = ("new_customer_count", "returning_order_count", "repeat_customer_count",
             "multichannel_customer_count")  # fmt: skip
    return _nonzero(
        {
            (getattr(row, on), row.channel_id, row.location_id): tuple(
                getattr(row, name) for name in names
            )
            for row in model.objects.all()
        }
    )


def assert_rollups_are_the_recount():
    """Days, months and customers' milestones, each against its brute force."""
    channel_rows, product_rows = recount()
    milestones = recount_milestones()
    assert rolled_up() == (channel_rows, product_rows)
    assert rolled_up_months() == (by_month(channel_rows), by_month(product_rows))
    assert rolled_up_milestones() == milestones
    assert rolled_up_milestones(MonthlyChannelSales, "month") == by_month(milestones)


PHONES = ("0909908089", "0912345678")


def _web_order(shop, lines, hours, phone="0909908089"):
    cart = cart_get_or_create(channel=shop["web"])
    for variant, quantity in lines:
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    if hours % 3 == 0:
        cart = checkout_start(
            cart=cart, contact_phone=phone, fulfilment="pickup",
            pickup_location=shop["showroom"],
        )  # fmt: skip
    else:
        cart = checkout_start(cart=cart, contact_phone=phone, shipping_address=ADDRESS)
    return order_place(cart=cart, payment_method="cod")


def _pos_sale(shop, lines, customer=None, till="terminal"):
    total = sum((variant.price_amount * quantity for variant, quantity in lines), Decimal(0))
    order, _ = pos_sale_submit(
        terminal=shop[till],
        customer=customer,
        client_uuid=uuid.uuid4(),
        lines=[LineInput(sku=v.sku, quantity=q) for v, q in lines],
        tenders=[TenderInput(method="cash", amount=total)],
    )
    return order


def _marketplace_order(shop, lines, at, phone=""):
    order, _ = marketplace_order_ingest(
        channel=shop["lazada"],
        buyer_phone=phone,
        external_ref=uuid.uuid4().hex,
        lines=[
            LineInput(sku=v.sku, quantity=q, unit_price_amount=Decimal(50000)) for v, q in lines
        ],
        placed_at=at,
    )
    return order


def _return_some(shop, order, quantity):
    if order.status == Order.Status.CONFIRMED:
        order = order_complete(order=order)
    if order.status not in (Order.Status.COMPLETED, Order.Status.PARTIALLY_RETURNED):
        return
    lines = [line for line in order.lines.all() if line.returnable_quantity]
    if lines:
        line = lines[0]
        # Refunded the way it was paid (the default): no manager's approval needed.
        order_return(
            order=order, location=shop["showroom"], reason="Khách đổi ý",
            lines=[ReturnLineInput(order_line_id=line.pk,
                                   quantity=min(quantity, line.returnable_quantity))],
        )  # fmt: skip


def _undelivered(order):
    """A marketplace parcel that shipped and came back without reaching the buyer."""
    if order.channel.kind == SalesChannel.Kind.MARKETPLACE and order.status in (
        Order.Status.CONFIRMED, Order.Status.SHIPPED,
    ):  # fmt: skip
        order_converge(order=order, status="returned")


def _cancel(order):
    if order.status in (Order.Status.CONFIRMED, Order.Status.PENDING_PAYMENT,
                        Order.Status.READY_FOR_PICKUP):  # fmt: skip
        order_cancel(order=order, reason="Khách huỷ")


step = st.tuples(
    st.sampled_from(["web", "pos", "marketplace", "cancel", "return", "undelivered"]),
    st.integers(min_value=0, max_value=5),  # hours after START: across the shop's midnight
    st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3),
    st.integers(min_value=0, max_value=1000),  # which earlier order a cancel/return picks
    st.booleans(),  # a till sale at the till with its shift open
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_rollups_equal_a_brute_force_recount_after_any_mix_of_sales(shop, steps):
    # given: a web store, a till and a marketplace selling the same three products
    orders = []
    # when: orders, cancellations and returns of every channel happen around midnight
    for kind, hours, picks, which, at_open_till in steps:
        at = START + timedelta(hours=hours, minutes=which % 60)
        lines = [(shop["variants"][index], quantity) for index, quantity in picks]
        with time_machine.travel(at, tick=False):
            # two shoppers known by phone on every channel, and anonymous sales
            phone = PHONES[which % 2]
            if kind == "web":
                orders.append(_web_order(shop, lines, hours, phone))
            elif kind == "pos":
                known = list(Customer.objects.order_by("pk")[:2])
                customer = known[which % 3] if which % 3 < len(known) else None
                till = "open_till" if at_open_till else "terminal"
                orders.append(_pos_sale(shop, lines, customer, till))
            elif kind == "marketplace":
                orders.append(_marketplace_order(shop, lines, at, phone * (which % 3 > 0)))
            elif orders and kind == "cancel":
                _cancel(Order.objects.get(pk=orders[which % len(orders)].pk))
            elif orders and kind == "undelivered":
                _undelivered(Order.objects.get(pk=orders[which % len(orders)].pk))
            elif orders:
                order = Order.objects.get(pk=orders[which % len(orders)].pk)
                _return_some(shop, order, picks[0][1])
    # then: the rollups kept incrementally are the recount, and so is a rebuild
    assert_rollups_are_the_recount()
    call_command("reports_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_rollups_are_the_recount()


@pytest.mark.django_db
@pytest.mark.parametrize("till", ["terminal", "open_till"])
def test_a_regulars_long_history_moves_milestones_from_its_few_first_orders(shop, till):
    # given: a regular with eight orders, web and till taking turns, then her first two web
    # orders cancelled (her first order, then the web's next: each time others move up)
    customer = Customer.objects.create(full_name="Chị Lan")
    variant = shop["variants"][1]
    history = []
    for index in range(8):
        with time_machine.travel(START + timedelta(hours=index), tick=False):
            if index % 2 == 0:
                history.append(_web_order(shop, [(variant, 1)], index, PHONES[0]))
            else:
                history.append(_pos_sale(shop, [(variant, 1)], customer))
    Order.objects.filter(pk__in=[o.pk for o in history]).update(customer=customer)
    call_command("reports_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for order in (history[0], history[2]):
        with time_machine.travel(START + timedelta(hours=9), tick=False):
            order_cancel(order=Order.objects.get(pk=order.pk), reason="Khách huỷ")
    # when: she buys once more at a till (one with its shift open, too)
    with time_machine.travel(START + timedelta(hours=10), tick=False):
        _pos_sale(shop, [(variant, 2)], customer, till)
    # then: every day's milestones are the brute-force walk over all her orders
    assert_rollups_are_the_recount()


@pytest.mark.django_db
@pytest.mark.parametrize("till", ["terminal", "open_till"])
def test_a_web_shoppers_first_till_sale_makes_her_a_customer_of_two_channels(shop, till):
    # given: a shopper whose only order so far was on the web
    customer = Customer.objects.create(full_name="Chị Hoa")
    variant = shop["variants"][1]
    with time_machine.travel(START, tick=False):
        web = _web_order(shop, [(variant, 1)], 0, PHONES[1])
    Order.objects.filter(pk=web.pk).update(customer=customer)
    call_command("reports_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # when: she buys at a till the next day
    with time_machine.travel(START + timedelta(days=1), tick=False):
        sale = _pos_sale(shop, [(variant, 1)], customer, till)

    # then: the till's day counts her second order and her second channel, nothing else
    till_day = DailyChannelSales.objects.get(channel=sale.channel, on=shop_day(sale.placed_at))
    assert (till_day.new_customer_count, till_day.returning_order_count) == (0, 1)
    assert (till_day.repeat_customer_count, till_day.multichannel_customer_count) == (1, 1)
    assert_rollups_are_the_recount()


@pytest.mark.django_db
def test_a_new_order_reads_only_the_orders_that_can_move_a_milestone(shop):
    # given: a customer with thirty orders at the till, then one on the web
    from orders.services.milestones import milestone_orders

    customer = Customer.objects.create(full_name="Anh Minh")
    variant = shop["variants"][1]
    till = [_pos_sale(shop, [(variant, 1)], customer) for _ in range(30)]
    web = _web_order(shop, [(variant, 1)], 0, PHONES[1])
    Order.objects.filter(pk=web.pk).update(customer=customer)
    # when: the milestones of her next order are worked out
    read = milestone_orders(Order.objects.filter(customer=customer))
    # then: her first two orders and the web's first are read, not all 31
    assert [order.pk for order in read] == [till[0].pk, till[1].pk, web.pk]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_reads_a_customers_milestone_orders_from_an_index_per_channel(shop):
    # given: a customer with a few orders at the till
    from django.db import connection

    from orders.services.milestones import milestone_orders

    customer = Customer.objects.create(full_name="Anh Minh")
    sales = [_pos_sale(shop, [(shop["variants"][1], 1)], customer) for _ in range(3)]
    # and a shop's worth of other customers' orders (copies of hers, for the statistics)
    others = Customer.objects.bulk_create([Customer(full_name=f"K{n}") for n in range(50)])
    template = sales[0]
    copies = []
    for n in range(500):
        copy = Order.objects.get(pk=template.pk)
        copy.pk, copy.number, copy.client_uuid = None, f"COPY-{n}", None
        copy.customer = others[n % 50]
        copies.append(copy)
    Order.objects.bulk_create(copies)

    # when: the plan of the read, with the table's statistics, scans of the whole table and
    # sorts priced out (three rows make any plan cheap; a disabled node is kept only when
    # it is the only way)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = milestone_orders(Order.objects.filter(customer=customer)).explain()

    # then: each channel's first two orders straight from the index; the customer's orders
    # are neither scanned nor grouped by channel (only the picks are, to drop repeats)
    assert "orders_order_milestone_idx" in plan, plan
    assert "Seq Scan on orders_order" not in plan, plan
    grouped = [line for line in plan.splitlines() if "Group Key" in line]
    assert not any("channel_id" in line for line in grouped), plan


@pytest.mark.django_db
def test_a_marketplace_parcel_returned_undelivered_counts_as_returned_on_its_day(shop):
    # given: a Lazada order of 2 TT-1KG and 1 MK-100G placed at 22:00 in Hà Nội, shipped
    tt, mk = shop["variants"][0], shop["variants"][1]
    with time_machine.travel(START, tick=False):
        order = _marketplace_order(shop, [(tt, 2), (mk, 1)], START)
        order_converge(order=order, status="shipped")
    warehouse = shop["lazada"].locations.get()
    # when: the parcel comes back undelivered after the shop's midnight (30 November)
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        order = order_converge(order=order, status="returned")
    # then: the order is returned, the goods are back, and the return is counted on the
    # 30th, like any return, equal to a recount and to a rebuild
    assert order.status == Order.Status.RETURNED
    assert StockLevel.objects.get(variant=tt, location=warehouse).on_hand == 100_000
    assert StockLevel.objects.get(variant=mk, location=warehouse).on_hand == 100_000
    key = (START.astimezone(VN).date() + timedelta(days=1), shop["lazada"].pk, None)
    channel_rows, product_rows = rolled_up()
    assert channel_rows[key] == (0, 0, Decimal(0), 3, Decimal(150000))
    assert product_rows[(*key, tt.pk)] == (0, 0, Decimal(0), 2, Decimal(100000))
    assert product_rows[(*key, mk.pk)] == (0, 0, Decimal(0), 1, Decimal(50000))
    expected = recount()
    assert (channel_rows, product_rows) == expected
    call_command("reports_rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert rolled_up() == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_of_one_product_on_one_day_lose_no_increment(shop):
    # given: 16 tills' and marketplace orders of the same product, at the same moment
    import threading

    from django.db import connection

    variant = shop["variants"][0]
    barrier = threading.Barrier(16)
    errors = []

    def sell(n):
        try:
            barrier.wait()
            if n % 2:
                _pos_sale(shop, [(variant, 1 + n % 3)])
            else:
                _marketplace_order(shop, [(variant, 1 + n % 3)], START)
        except Exception as error:  # a lost update or a deadlock would surface here
            errors.append(repr(error))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=sell, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: every unit and order is counted once
    assert errors == []
    assert_rollups_are_the_recount()
    assert sum(row.units for row in DailySales.objects.filter(variant=variant)) == sum(
        1 + n % 3 for n in range(16)
    )
    assert sum(row.order_count for row in DailyChannelSales.objects.all()) == 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cancellations_returns_and_sales_racing_on_one_day_neither_deadlock_nor_miscount(shop):
    # given: web orders to cancel and till sales to return, all of today and one product
    import threading

    from django.db import connection

    variant = shop["variants"][0]
    to_cancel = [_web_order(shop, [(variant, 1)], 1) for _ in range(6)]
    to_return = [_pos_sale(shop, [(variant, 2)]) for _ in range(6)]
    work = (
        [lambda o=o: order_cancel(order=o) for o in to_cancel]
        + [lambda o=o: _return_some(shop, o, 1) for o in to_return]
        + [lambda: _web_order(shop, [(variant, 1)], 1) for _ in range(6)]
        + [lambda: _pos_sale(shop, [(variant, 1)]) for _ in range(6)]
    )
    barrier = threading.Barrier(len(work))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # a deadlock would surface here
            errors.append(repr(error))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run, args=(call,)) for call in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert errors == []
    assert_rollups_are_the_recount()
    assert sum(row.returned_units for row in DailySales.objects.all()) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_new_customers_cash_sales_at_two_open_tills_at_once_count_one_first_order(shop):
    # given: two tills of the showroom with open shifts, and a customer with no order yet
    # (a cash sale there locks the customer's row in its shift's statement)
    import threading

    from django.db import connection

    tills = [shop["terminal"], shop["open_till"]]
    open_shift(shop["terminal"], shop["showroom"])
    customer = Customer.objects.create(full_name="Chị Lan")
    # one product per till: only the customer's row is shared by the two tills' sales
    products = shop["variants"][1:]
    barrier = threading.Barrier(8)
    errors = []

    def sell(n):
        try:
            barrier.wait()
            pos_sale_submit(
                terminal=tills[n % 2],
                customer=customer,
                client_uuid=uuid.uuid4(),
                lines=[LineInput(sku=products[n % 2].sku, quantity=1)],
                tenders=[TenderInput(method="cash", amount=products[n % 2].price_amount)],
            )
        except Exception as error:  # a deadlock would surface here
            errors.append(repr(error))
        finally:
            connection.close()

    # when: eight of their sales commit at once, four at each till
    threads = [threading.Thread(target=sell, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: one first order, one second, and seven returning ones, as the recount says
    assert errors == []
    assert Order.objects.filter(customer=customer, shift__isnull=False).count() == 8
    assert_rollups_are_the_recount()
    rows = DailyChannelSales.objects.all()
    assert sum(row.new_customer_count for row in rows) == 1
    assert sum(row.repeat_customer_count for row in rows) == 1
    assert sum(row.returning_order_count for row in rows) == 7
