"""A sale handed over at the till: the stock leaves with its ledger rows, or, refused, nothing
is written (on PostgreSQL the lock, the check and the writes are one statement)."""

import pytest
from django.utils import translation

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, StockMovement
from inventory.services import StockLine, stock_sell
from tests.factories import VariantFactory, stocked
from tests.inventory.checks import assert_stock_invariants


def test_a_sale_takes_each_line_from_the_store_and_writes_its_movements(shop):
    # given: two products on the store's shelf
    tea = VariantFactory(sku="TRA-100G")
    khen = stocked(shop.variant, shop.hang_giay, 5)
    tra = stocked(tea, shop.hang_giay, 3)
    # when: the till sells 2 and 3 of them
    movements = stock_sell(
        channel=shop.pos,
        lines=[StockLine(sku="MAC-KHEN-100", quantity=2), StockLine(sku="TRA-100G", quantity=3)],
        reference="order:POS-000001",
    )
    # then: the shelf is down by what was sold, and the returned movements are the stored ones
    khen.refresh_from_db()
    tra.refresh_from_db()
    assert (khen.on_hand, tra.on_hand) == (3, 0)
    stored = StockMovement.objects.filter(reference="order:POS-000001")
    assert sorted(stored.values_list("pk", "stock_level_id", "quantity", "kind")) == sorted(
        (m.pk, m.stock_level_id, m.quantity, m.kind) for m in movements
    )
    assert {m.stock_level_id: m.quantity for m in movements} == {khen.pk: -2, tra.pk: -3}
    assert all(m.created_at is not None and m.channel_id == shop.pos.pk for m in movements)
    assert_stock_invariants()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("short", "Only 1 of TRA-100G available, 2 asked."),
        ("reserved", "Only 0 of TRA-100G available, 2 asked."),
        ("not here", "Only 0 of TRA-100G available, 2 asked."),
        ("inactive", "Not for sale: TRA-100G."),
    ],
)
def test_a_sale_one_line_cannot_cover_is_refused_and_writes_nothing(shop, case, message):
    # given: one line the shelf can cover, the other not (short, promised away, stocked
    # only in the warehouse, or no longer sold)
    tea = VariantFactory(sku="TRA-100G", is_active=case != "inactive")
    stocked(shop.variant, shop.hang_giay, 5)
    stocked(tea, shop.warehouse if case == "not here" else shop.hang_giay, 1)
    if case == "reserved":
        StockLevel.objects.filter(variant=tea).update(on_hand=2, reserved=2)
    before = sorted(StockLevel.objects.values_list("pk", "on_hand", "reserved"))
    # when
    with pytest.raises(InsufficientStock) as refused, translation.override("en"):
        stock_sell(
            channel=shop.pos,
            lines=[
                StockLine(sku="MAC-KHEN-100", quantity=1),
                StockLine(sku="TRA-100G", quantity=2),
            ],
            reference="order:POS-000002",
        )
    # then: the cashier is told which line and why; no shelf moved, no ledger row
    assert str(refused.value.detail) == message
    assert sorted(StockLevel.objects.values_list("pk", "on_hand", "reserved")) == before
    assert not StockMovement.objects.filter(reference="order:POS-000002").exists()
