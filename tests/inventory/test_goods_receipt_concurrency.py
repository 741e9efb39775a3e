"""Receipts racing sales and counts on the same shelves: no deadlock, nothing lost.

goods_receipt_post locks its stock levels in id order before on hand moves, as every stock
transaction does, so deliveries whose lines come in any order never wait in a circle with
each other or with sales. PostgreSQL, real threads (each its own connection).
"""

import functools
import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory.models import GoodsReceiptLine, SalesChannel, StockLevel, StockMovement
from inventory.services import ReceiptLine, StockLine, goods_receipt_post, stock_sell
from tests.factories import LocationFactory, VariantFactory, channel_selling_from, stocked
from tests.inventory.checks import assert_stock_invariants
from tests.inventory.test_allocation_concurrency import race

THREADS = 24
SKUS = ["CF-250", "CF-500", "TRA-100", "HAT-50"]


def _receive(store, lines):
    return goods_receipt_post(location=store, lines=lines)


def _sell(channel, lines):
    return stock_sell(channel=channel, lines=lines, reference=f"pos:{id(lines)}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_receipts_and_sales_in_any_line_order_never_deadlock_or_lose_units():
    # given: four products on one store's shelves, a till selling from it
    store = LocationFactory(code="hang-giay")
    pos = channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos")
    for sku in SKUS:
        stocked(VariantFactory(sku=sku), store, 50)
    rng = random.Random(20261130)
    work, received, sold = [], dict.fromkeys(SKUS, 0), dict.fromkeys(SKUS, 0)
    for n in range(THREADS):
        order = rng.sample(SKUS, k=rng.randint(2, 4))  # lines in a different order each time
        if n % 2:
            lines = [ReceiptLine(code=sku.lower(), quantity=3, unit_cost_amount=Decimal(1000))
                     for sku in order]  # fmt: skip
            work.append(functools.partial(_receive, store, lines))
            for sku in order:
                received[sku] += 3
        else:
            lines = [StockLine(sku=sku, quantity=1) for sku in order]
            work.append(functools.partial(_sell, pos, lines))
            for sku in order:
                sold[sku] += 1

    # when
    outcomes = race(work)

    # then: every one went through, and the shelves add up
    assert [outcome for outcome in outcomes if outcome[0] != "ok"] == []
    on_hand = dict(StockLevel.objects.values_list("variant__sku", "on_hand"))
    assert on_hand == {sku: 50 + received[sku] - sold[sku] for sku in SKUS}
    assert GoodsReceiptLine.objects.aggregate(total=Sum("quantity"))["total"] == sum(
        received.values()
    )
    assert StockMovement.objects.filter(
        kind="receipt", reference__startswith="receipt:"
    ).count() == (GoodsReceiptLine.objects.count())
    assert_stock_invariants()
