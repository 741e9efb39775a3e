"""DESIGN.md invariant 1 under real concurrency: three channels race for the last units.

Runs on PostgreSQL with real threads, each with its own connection (and transaction).
"""

import functools
import random
import re
import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from inventory.exceptions import InsufficientStock
from inventory.models import Reservation, SalesChannel, StockMovement
from inventory.services import StockLine, stock_reserve, stock_sell
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
)
from tests.inventory.checks import assert_stock_invariants

THREADS = 32
ROUNDS = 20
LAST_UNITS = 10


def race(callables):
    """Start every callable at the same instant in its own thread; return what each did."""
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(index, work):
        try:
            barrier.wait()
            outcomes[index] = ("ok", work())
        except InsufficientStock:
            outcomes[index] = ("refused", None)
        except Exception as error:  # anything else (a deadlock, a lock timeout) is a bug
            outcomes[index] = ("error", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def web_hold(channels, sku, tag, n, quantity):
    lines = [StockLine(sku=sku, quantity=quantity)]
    if n % 2:
        lines.append(StockLine(sku="PLENTIFUL", quantity=1))
    return stock_reserve(channel=channels["web"], lines=lines, reference=f"checkout:{tag}")


def marketplace_allocation(channels, sku, tag, n, quantity):
    return stock_reserve(
        channel=channels["shopee"],
        lines=[StockLine(sku=sku, quantity=quantity)],
        reference=f"order:SHOPEE-{tag}",
        kind=Reservation.Kind.ALLOCATION,
    )


def pos_online_sale(channels, sku, tag, n, quantity):
    return stock_sell(
        channel=channels["pos"],
        lines=[StockLine(sku=sku, quantity=quantity)],
        reference=f"pos:{tag}",
        actor_label="terminal:Quầy 1",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_three_channels_never_get_more_than_the_last_units():
    # given: the Hàng Giấy store is the shared stock of the web store, Shopee and its POS;
    # the web store also lists an empty warehouse first, and some web carts hold a second,
    # plentiful product too (several rows: the locking path)
    warehouse = WarehouseFactory(code="kho")
    store = LocationFactory(code="hang-giay")
    web = channel_selling_from(warehouse, store, code="web")
    shopee = channel_selling_from(store, kind=SalesChannel.Kind.MARKETPLACE, code="shopee")
    pos = channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos")
    plentiful = VariantFactory(sku="PLENTIFUL")
    stocked(plentiful, store, 100_000)
    rng = random.Random(20261123)

    for round_number in range(ROUNDS):
        hot = VariantFactory(sku=f"HOT-{round_number}")
        level = stocked(hot, store, LAST_UNITS)

        channels = {"web": web, "shopee": shopee, "pos": pos}
        kinds = [web_hold, marketplace_allocation, pos_online_sale]
        plan = [(kinds[n % 3], n, rng.randint(1, 3)) for n in range(THREADS)]

        # when
        outcomes = race(
            [
                functools.partial(f, channels, hot.sku, f"{round_number}:{n}", n, q)
                for f, n, q in plan
            ]
        )

        # then: no error leaked, never more than the last units granted
        assert [o for o in outcomes if o[0] == "error"] == [], round_number
        granted = sum(q for (f, n, q), o in zip(plan, outcomes, strict=True) if o[0] == "ok")
        assert 0 < granted <= LAST_UNITS, round_number
        level.refresh_from_db()
        sold = -(
            StockMovement.objects.filter(stock_level=level, kind="sale").aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        held = (
            Reservation.objects.filter(stock_level=level, status="active").aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        assert sold + held == granted
        assert level.on_hand == LAST_UNITS - sold
        assert level.on_hand - level.reserved >= 0
        # ledger and reserved invariants after every round, for every stock level
        assert_stock_invariants()


@pytest.mark.django_db
def test_single_line_allocation_is_one_conditional_update(shop):
    # given
    stocked(shop.variant, shop.warehouse, 5)

    # when
    with CaptureQueriesContext(connection) as queries:
        stock_reserve(
            channel=shop.shopee, lines=[StockLine(sku="MAC-KHEN-100", quantity=2)], reference="x"
        )

    # then: the check is inside the UPDATE's WHERE, in one statement, and no statement
    # reads on hand before it to decide in Python
    writes = [
        q["sql"] for q in queries if "UPDATE" in q["sql"] and "inventory_stocklevel" in q["sql"]
    ]
    assert len(writes) == 1
    if connection.vendor == "postgresql":
        # one statement: choose the location, UPDATE … WHERE on_hand >= reserved + q, insert
        # the reservation
        assert writes[0].lstrip().startswith("WITH candidate AS")
        # (bound on the server, so the quantity may show as a placeholder)
        quantity = r"(2|\$\d+)"
        assert re.search(rf"SET reserved = reserved \+ {quantity}\b", writes[0])
        assert re.search(rf"AND on_hand >= reserved \+ {quantity}\b", writes[0])
        assert "INSERT INTO inventory_reservation" in writes[0]
        assert len([q for q in queries if "inventory_" in q["sql"]]) == 1
    else:
        assert '"reserved" = ("inventory_stocklevel"."reserved" + 2)' in writes[0]
        assert '"on_hand" >= ("inventory_stocklevel"."reserved" + 2)' in writes[0]
    assert not any("FOR UPDATE" in q["sql"] for q in queries)


@pytest.mark.postgres
@pytest.mark.django_db
def test_multi_row_allocation_locks_in_id_order_before_it_updates(shop):
    # given
    other = VariantFactory(sku="TIEU-RUNG")
    stocked(shop.variant, shop.warehouse, 5)
    stocked(other, shop.warehouse, 5)

    # when
    with CaptureQueriesContext(connection) as queries:
        stock_reserve(
            channel=shop.shopee,
            lines=[
                StockLine(sku="TIEU-RUNG", quantity=1),
                StockLine(sku="MAC-KHEN-100", quantity=1),
            ],
            reference="x",
        )

    # then
    sql = [q["sql"] for q in queries]
    lock = next(i for i, s in enumerate(sql) if s.endswith("FOR NO KEY UPDATE"))
    first_update = next(
        i for i, s in enumerate(sql) if s.startswith('UPDATE "inventory_stocklevel"')
    )
    assert lock < first_update
    assert 'ORDER BY "inventory_stocklevel"."id" ASC' in sql[lock]
    updates = [s for s in sql if s.startswith('UPDATE "inventory_stocklevel"')]
    assert len(updates) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_expiry_job_racing_checkouts_converts_or_expires_each_hold_once():
    # given: 16 checkouts whose holds are just past their expiry
    from datetime import timedelta

    from django.utils import timezone

    from inventory.exceptions import HoldExpired
    from inventory.services import reservation_convert, reservation_expire_due

    store = LocationFactory(code="hang-giay")
    web = channel_selling_from(store, code="web")
    variant = VariantFactory(sku="HOT")
    level = stocked(variant, store, 100)
    for n in range(16):
        stock_reserve(channel=web, lines=[StockLine(sku="HOT", quantity=2)], reference=f"c:{n}")
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    def convert(n):
        try:
            return reservation_convert(reference=f"c:{n}")
        except HoldExpired:
            return "expired"

    # when: 16 conversions and 4 expiry jobs at once
    outcomes = race(
        [functools.partial(convert, n) for n in range(16)]
        + [reservation_expire_due for _ in range(4)]
    )

    # then
    assert [o for o in outcomes if o[0] != "ok"] == []
    converted = sum(1 for _kind, value in outcomes[:16] if value != "expired")
    expired_by_jobs = sum(value for _kind, value in outcomes[16:])
    assert converted + expired_by_jobs == 16
    assert Reservation.objects.filter(status="active", kind="allocation").count() == converted
    level.refresh_from_db()
    assert level.reserved == 2 * converted
    assert_stock_invariants()
