import pytest

from inventory.exceptions import (
    InsufficientStock,
    TransferOverReceived,
    TransferSameLocation,
    UnknownSku,
)
from inventory.services import (
    StockLine,
    stock_reserve,
    stock_transfer_dispatch,
    stock_transfer_receive,
)
from tests.factories import stocked
from tests.inventory.checks import assert_stock_invariants, figures, row_counts

MAC_KHEN = "MAC-KHEN-100"


def test_transfer_in_two_steps_with_a_partial_receipt(shop):
    # given
    source = stocked(shop.variant, shop.warehouse, 10)

    # when: 6 dispatched, 4 then 2 received
    transfer = stock_transfer_dispatch(
        source=shop.warehouse,
        destination=shop.hang_giay,
        lines=[StockLine(sku=MAC_KHEN, quantity=6)],
    )
    after_dispatch = figures(source)
    stock_transfer_receive(transfer=transfer, lines=[StockLine(sku=MAC_KHEN, quantity=4)])
    status_after_part = transfer.status
    stock_transfer_receive(transfer=transfer)

    # then
    assert after_dispatch == (4, 0)
    assert status_after_part == "partially_received"
    assert transfer.status == "received"
    assert figures(shop.variant.stock_levels.get(location=shop.hang_giay)) == (6, 0)
    kinds = sorted(transfer_movement.kind for transfer_movement in source.movements.all())
    assert kinds == ["receipt", "transfer_out"]
    assert_stock_invariants()


def test_transfer_to_the_same_location_is_refused(shop):
    stocked(shop.variant, shop.warehouse, 10)
    before = row_counts()

    with pytest.raises(TransferSameLocation):
        stock_transfer_dispatch(
            source=shop.warehouse,
            destination=shop.warehouse,
            lines=[StockLine(sku=MAC_KHEN, quantity=1)],
        )

    assert row_counts() == before


def test_reserved_units_cannot_be_dispatched(shop):
    level = stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(channel=shop.shopee, lines=[StockLine(sku=MAC_KHEN, quantity=4)], reference="o")
    before = row_counts()

    with pytest.raises(InsufficientStock):
        stock_transfer_dispatch(
            source=shop.warehouse,
            destination=shop.saigon,
            lines=[StockLine(sku=MAC_KHEN, quantity=2)],
        )

    assert row_counts() == before
    assert figures(level) == (5, 4)


def test_receiving_more_than_dispatched_is_refused_and_nothing_is_written(shop):
    # given
    stocked(shop.variant, shop.warehouse, 10)
    transfer = stock_transfer_dispatch(
        source=shop.warehouse,
        destination=shop.hang_giay,
        lines=[StockLine(sku=MAC_KHEN, quantity=3)],
    )
    before = row_counts()

    # when / then
    with pytest.raises(TransferOverReceived):
        stock_transfer_receive(transfer=transfer, lines=[StockLine(sku=MAC_KHEN, quantity=4)])
    with pytest.raises(UnknownSku):
        stock_transfer_receive(transfer=transfer, lines=[StockLine(sku="OTHER", quantity=1)])
    assert row_counts() == before
    assert transfer.lines.get().received_quantity == 0
