"""Every stock service, fed an unknown SKU or a quantity that is not a positive whole
number, refuses with a clear domain error and writes nothing."""

import pytest

from inventory.exceptions import InvalidQuantity, UnknownSku
from inventory.models import Reservation
from inventory.services import (
    StockLine,
    stock_adjust,
    stock_count_record,
    stock_offline_sale_record,
    stock_receive,
    stock_reserve,
    stock_return_restock,
    stock_sell,
    stock_transfer_dispatch,
)
from tests.factories import stocked
from tests.inventory.checks import row_counts


def calls(shop, line):
    lines = [line]
    return {
        "receive": lambda: stock_receive(location=shop.warehouse, lines=lines),
        "adjust": lambda: stock_adjust(
            location=shop.warehouse, sku=line.sku, quantity=line.quantity, reason="x"
        ),
        "count": lambda: stock_count_record(location=shop.warehouse, lines=lines),
        "offline sale": lambda: stock_offline_sale_record(
            location=shop.hang_giay, lines=lines, reference="pos:1"
        ),
        "return": lambda: stock_return_restock(location=shop.saigon, lines=lines, reference="r"),
        "hold": lambda: stock_reserve(channel=shop.web, lines=lines, reference="c"),
        "allocation": lambda: stock_reserve(
            channel=shop.shopee, lines=lines, reference="o", kind=Reservation.Kind.ALLOCATION
        ),
        "pos sale": lambda: stock_sell(channel=shop.pos, lines=lines, reference="p"),
        "transfer": lambda: stock_transfer_dispatch(
            source=shop.warehouse, destination=shop.saigon, lines=lines
        ),
    }


SERVICES = [
    "receive",
    "adjust",
    "count",
    "offline sale",
    "return",
    "hold",
    "allocation",
    "pos sale",
    "transfer",
]


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_sku_is_refused_and_nothing_written(shop, service):
    # given
    stocked(shop.variant, shop.warehouse, 5)
    before = row_counts()

    # when
    with pytest.raises(UnknownSku) as error:
        calls(shop, StockLine(sku="NO-SUCH-SKU", quantity=1))[service]()

    # then
    assert error.value.code == "unknown_sku"
    assert "NO-SUCH-SKU" in error.value.detail
    assert row_counts() == before


@pytest.mark.parametrize(
    ("service", "quantity"),
    # A count may be 0 and an adjustment negative; every other quantity must be above 0.
    [(s, q) for s in SERVICES if s != "count" for q in (0, -1) if (s, q) != ("adjust", -1)],
)
def test_zero_or_negative_quantity_is_refused_and_nothing_written(shop, service, quantity):
    # given
    stocked(shop.variant, shop.warehouse, 5)
    before = row_counts()

    # when
    with pytest.raises(InvalidQuantity) as error:
        calls(shop, StockLine(sku="MAC-KHEN-100", quantity=quantity))[service]()

    # then
    assert error.value.code == "invalid_quantity"
    assert row_counts() == before


def test_a_negative_count_is_refused(shop):
    before = row_counts()

    with pytest.raises(InvalidQuantity):
        stock_count_record(
            location=shop.warehouse, lines=[StockLine(sku="MAC-KHEN-100", quantity=-1)]
        )

    assert row_counts() == before
