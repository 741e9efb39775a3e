import pytest

from inventory.exceptions import (
    InsufficientStock,
    InvalidQuantity,
    LocationInactive,
    UnknownSku,
)
from inventory.models import StockDiscrepancy, StockMovement
from inventory.services import (
    StockLine,
    stock_adjust,
    stock_count_record,
    stock_offline_sale_record,
    stock_receive,
    stock_return_restock,
)
from tests.factories import StaffFactory, stocked
from tests.inventory.checks import assert_stock_invariants, figures, row_counts


def test_receive_adds_on_hand_and_writes_the_ledger(shop):
    # given
    staff = StaffFactory(username="kho1")

    # when
    [movement] = stock_receive(
        location=shop.warehouse,
        lines=[StockLine(sku="MAC-KHEN-100", quantity=20)],
        reference="po:42",
        actor=staff,
    )

    # then
    level = shop.variant.stock_levels.get(location=shop.warehouse)
    assert figures(level) == (20, 0)
    assert (movement.kind, movement.quantity, movement.reference) == ("receipt", 20, "po:42")
    assert (movement.actor, movement.actor_label) == (staff, "kho1")
    assert_stock_invariants()


@pytest.mark.parametrize("quantity", [0, -3, 2.5, True])
def test_receive_refuses_a_quantity_that_is_not_a_positive_whole_number(shop, quantity):
    # given
    before = row_counts()

    # when / then
    with pytest.raises(InvalidQuantity):
        stock_receive(
            location=shop.warehouse, lines=[StockLine(sku="MAC-KHEN-100", quantity=quantity)]
        )
    assert row_counts() == before


def test_receive_refuses_an_unknown_sku_and_writes_nothing(shop):
    # given
    before = row_counts()

    # when
    with pytest.raises(UnknownSku) as error:
        stock_receive(
            location=shop.warehouse,
            lines=[
                StockLine(sku="MAC-KHEN-100", quantity=1),
                StockLine(sku="NO-SUCH-SKU", quantity=1),
            ],
        )

    # then
    assert error.value.fields == {"sku": ["NO-SUCH-SKU"]}
    assert row_counts() == before


def test_receive_at_an_inactive_location_is_refused(shop):
    shop.saigon.is_active = False
    shop.saigon.save()
    before = row_counts()

    with pytest.raises(LocationInactive):
        stock_receive(location=shop.saigon, lines=[StockLine(sku="MAC-KHEN-100", quantity=1)])

    assert row_counts() == before


def test_adjust_down_with_a_reason(shop):
    # given
    level = stocked(shop.variant, shop.warehouse, 5)

    # when
    movement = stock_adjust(
        location=shop.warehouse, sku="MAC-KHEN-100", quantity=-2, reason="Vỡ lọ"
    )

    # then
    assert figures(level) == (3, 0)
    assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", -2, "Vỡ lọ")
    assert_stock_invariants()


@pytest.mark.parametrize(
    ("quantity", "reason", "error"),
    [
        (0, "nothing", InvalidQuantity),
        (-6, "more than on hand", InsufficientStock),
        (2, "   ", InvalidQuantity),
    ],
)
def test_adjust_failures_write_nothing(shop, quantity, reason, error):
    # given
    level = stocked(shop.variant, shop.warehouse, 5)
    before = row_counts()

    # when / then
    with pytest.raises(error):
        stock_adjust(location=shop.warehouse, sku="MAC-KHEN-100", quantity=quantity, reason=reason)
    assert row_counts() == before
    assert figures(level) == (5, 0)


def test_count_books_the_difference_and_skips_lines_counted_right(shop):
    # given
    other = stocked(shop.variant, shop.warehouse, 10).variant
    from tests.factories import VariantFactory

    right = VariantFactory(sku="RIGHT")
    stocked(right, shop.warehouse, 4)

    # when
    movements = stock_count_record(
        location=shop.warehouse,
        lines=[StockLine(sku=other.sku, quantity=7), StockLine(sku="RIGHT", quantity=4)],
        reference="count:2026-11",
    )

    # then
    assert [(m.kind, m.quantity) for m in movements] == [("count", -3)]
    assert figures(other.stock_levels.get()) == (7, 0)
    assert_stock_invariants()


def test_count_on_an_inactive_location_is_refused(shop):
    # given
    stocked(shop.variant, shop.saigon, 3)
    shop.saigon.is_active = False
    shop.saigon.save()
    before = row_counts()

    # when / then
    with pytest.raises(LocationInactive):
        stock_count_record(location=shop.saigon, lines=[StockLine(sku="MAC-KHEN-100", quantity=0)])
    assert row_counts() == before


def test_offline_sale_goes_negative_and_raises_a_discrepancy(shop):
    # given: 1 on the shelf, the offline till sold 3
    level = stocked(shop.variant, shop.hang_giay, 1)

    # when
    [movement] = stock_offline_sale_record(
        location=shop.hang_giay,
        lines=[StockLine(sku="MAC-KHEN-100", quantity=3)],
        reference="pos:sale:7d1c",
        channel=shop.pos,
        actor_label="terminal:Quầy 1",
    )

    # then
    assert figures(level) == (-2, 0)
    assert (movement.kind, movement.quantity, movement.channel) == ("offline_sale", -3, shop.pos)
    discrepancy = StockDiscrepancy.objects.get()
    assert (discrepancy.shortfall, discrepancy.movement) == (2, movement)
    assert_stock_invariants()


def test_offline_sale_within_stock_raises_no_discrepancy(shop):
    stocked(shop.variant, shop.hang_giay, 5)

    stock_offline_sale_record(
        location=shop.hang_giay, lines=[StockLine(sku="MAC-KHEN-100", quantity=2)], reference="x"
    )

    assert not StockDiscrepancy.objects.exists()


def test_return_restocks_at_the_store_that_takes_it_back(shop):
    # given
    level = stocked(shop.variant, shop.saigon, 1)

    # when
    stock_return_restock(
        location=shop.saigon,
        lines=[StockLine(sku="MAC-KHEN-100", quantity=2)],
        reference="return:WEB-000123",
        channel=shop.web,
    )

    # then
    assert figures(level) == (3, 0)
    assert StockMovement.objects.filter(kind="return", quantity=2).count() == 1
    assert_stock_invariants()
