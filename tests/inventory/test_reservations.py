from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.exceptions import (
    ChannelLocationMismatch,
    HoldExpired,
    InsufficientStock,
    InvalidQuantity,
    ReservationNotFound,
    UnknownSku,
)
from inventory.models import Reservation, StockLevel, StockMovement
from inventory.services import (
    StockLine,
    reservation_convert,
    reservation_expire_due,
    reservation_release,
    stock_reserve,
    stock_sale_commit,
    stock_sell,
)
from tests.factories import VariantFactory, stocked
from tests.inventory.checks import assert_stock_invariants, figures, row_counts

MAC_KHEN = "MAC-KHEN-100"


def test_hold_reserves_at_the_first_location_by_priority_with_an_expiry(shop, settings):
    # given
    settings.STOCK_HOLD_MINUTES = 15
    warehouse = stocked(shop.variant, shop.warehouse, 5)
    store = stocked(shop.variant, shop.hang_giay, 5)

    # when
    [hold] = stock_reserve(
        channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=3)], reference="checkout:1"
    )

    # then
    assert (hold.kind, hold.status, hold.quantity) == ("hold", "active", 3)
    assert hold.stock_level == warehouse
    assert timedelta(minutes=14) < hold.expires_at - timezone.now() <= timedelta(minutes=15)
    assert figures(warehouse) == (5, 3)
    assert figures(store) == (5, 0)
    assert_stock_invariants()


def test_a_line_goes_to_the_first_location_that_has_it_all(shop):
    # given: the warehouse has 2, Hàng Giấy 4
    stocked(shop.variant, shop.warehouse, 2)
    store = stocked(shop.variant, shop.hang_giay, 4)

    # when
    [hold] = stock_reserve(
        channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=3)], reference="checkout:1"
    )

    # then
    assert hold.stock_level == store


def test_a_shipped_order_splits_across_locations(shop):
    # given
    warehouse = stocked(shop.variant, shop.warehouse, 2)
    store = stocked(shop.variant, shop.hang_giay, 2)
    saigon = stocked(shop.variant, shop.saigon, 2)

    # when
    reservations = stock_reserve(
        channel=shop.web,
        lines=[StockLine(sku=MAC_KHEN, quantity=5)],
        reference="order:WEB-1",
        kind=Reservation.Kind.ALLOCATION,
    )

    # then
    assert sorted((r.stock_level_id, r.quantity) for r in reservations) == sorted(
        [(warehouse.pk, 2), (store.pk, 2), (saigon.pk, 1)]
    )
    assert all(r.expires_at is None for r in reservations)
    assert_stock_invariants()


def test_pick_up_takes_one_location_and_does_not_split(shop):
    # given
    stocked(shop.variant, shop.warehouse, 10)
    stocked(shop.variant, shop.hang_giay, 2)
    before = row_counts()

    # when / then
    with pytest.raises(InsufficientStock):
        stock_reserve(
            channel=shop.web,
            lines=[StockLine(sku=MAC_KHEN, quantity=3)],
            reference="order:WEB-2",
            location=shop.hang_giay,
        )
    assert row_counts() == before


def test_pick_up_at_a_store_the_channel_does_not_sell_from_is_refused(shop):
    stocked(shop.variant, shop.saigon, 5)

    with pytest.raises(ChannelLocationMismatch):
        stock_reserve(
            channel=shop.shopee,
            lines=[StockLine(sku=MAC_KHEN, quantity=1)],
            reference="x",
            location=shop.saigon,
        )

    assert not Reservation.objects.exists()
    assert StockLevel.objects.get(variant=shop.variant, location=shop.saigon).reserved == 0


def test_reserving_more_than_available_is_refused_and_nothing_is_written(shop):
    # given: 5 on hand, 3 already held
    level = stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(channel=shop.shopee, lines=[StockLine(sku=MAC_KHEN, quantity=3)], reference="a")
    before = row_counts()

    # when
    with pytest.raises(InsufficientStock) as error:
        stock_reserve(
            channel=shop.shopee, lines=[StockLine(sku=MAC_KHEN, quantity=3)], reference="b"
        )

    # then
    assert error.value.code == "insufficient_stock"
    assert list(error.value.fields) == [MAC_KHEN]
    assert "2" in error.value.fields[MAC_KHEN][0]
    assert row_counts() == before
    assert figures(level) == (5, 3)


def test_several_lines_are_all_or_nothing(shop):
    # given
    other = VariantFactory(sku="TIEU-RUNG")
    level = stocked(shop.variant, shop.warehouse, 5)
    stocked(other, shop.warehouse, 1)
    before = row_counts()

    # when
    with pytest.raises(InsufficientStock) as error:
        stock_reserve(
            channel=shop.shopee,
            lines=[StockLine(sku=MAC_KHEN, quantity=2), StockLine(sku="TIEU-RUNG", quantity=2)],
            reference="order:SHOPEE-1",
        )

    # then: the line that fitted was not kept either
    assert "TIEU-RUNG" in error.value.fields
    assert row_counts() == before
    assert figures(level) == (5, 0)


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([StockLine(sku="NOPE", quantity=1)], UnknownSku),
        ([StockLine(sku=MAC_KHEN, quantity=0)], InvalidQuantity),
        ([StockLine(sku=MAC_KHEN, quantity=-1)], InvalidQuantity),
        ([], InvalidQuantity),
    ],
)
def test_reserve_input_errors_write_nothing(shop, lines, error):
    stocked(shop.variant, shop.warehouse, 5)
    before = row_counts()

    with pytest.raises(error):
        stock_reserve(channel=shop.web, lines=lines, reference="x")

    assert row_counts() == before


def test_inactive_variant_is_not_for_sale(shop):
    stocked(shop.variant, shop.warehouse, 5)
    shop.variant.is_active = False
    shop.variant.save()

    with pytest.raises(InsufficientStock):
        stock_reserve(channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=1)], reference="x")


def test_convert_then_commit_sells_the_units(shop):
    # given
    level = stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(
        channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=2)], reference="checkout:9"
    )

    # when
    [allocation] = reservation_convert(reference="checkout:9")
    [movement] = stock_sale_commit(reference="checkout:9", actor_label="web")

    # then
    assert (allocation.kind, allocation.expires_at) == ("allocation", None)
    assert figures(level) == (3, 0)
    assert (movement.kind, movement.quantity, movement.channel) == ("sale", -2, shop.web)
    assert Reservation.objects.get().status == "sold"
    assert_stock_invariants()


def test_convert_after_the_hold_expired_is_refused(shop):
    # given
    stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(
        channel=shop.web,
        lines=[StockLine(sku=MAC_KHEN, quantity=2)],
        reference="checkout:9",
        ttl=timedelta(minutes=1),
    )
    reservation_expire_due(now=timezone.now() + timedelta(minutes=2))

    # when / then
    with pytest.raises(HoldExpired):
        reservation_convert(reference="checkout:9")
    assert Reservation.objects.get().status == "expired"


def test_release_gives_the_units_back_once(shop):
    # given
    level = stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=4)], reference="r")

    # when
    first = reservation_release(reference="r")
    second = reservation_release(reference="r")

    # then
    assert (first, second) == (4, 0)
    assert figures(level) == (5, 0)
    assert_stock_invariants()


def test_commit_without_reservation_is_refused(shop):
    before = row_counts()

    with pytest.raises(ReservationNotFound):
        stock_sale_commit(reference="order:none")

    assert row_counts() == before


def test_pos_online_sale_takes_its_own_store_only(shop):
    # given: plenty in the warehouse, 1 in the store
    stocked(shop.variant, shop.warehouse, 50)
    store = stocked(shop.variant, shop.hang_giay, 1)

    # when
    stock_sell(channel=shop.pos, lines=[StockLine(sku=MAC_KHEN, quantity=1)], reference="pos:1")

    # then
    assert figures(store) == (0, 0)
    with pytest.raises(InsufficientStock):
        stock_sell(channel=shop.pos, lines=[StockLine(sku=MAC_KHEN, quantity=1)], reference="pos:2")
    assert StockMovement.objects.filter(kind="sale").count() == 1
    assert_stock_invariants()


def test_convert_can_file_the_allocation_under_the_order_reference(shop):
    # given
    stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(
        channel=shop.web, lines=[StockLine(sku=MAC_KHEN, quantity=1)], reference="checkout:cart-7"
    )

    # when
    reservation_convert(reference="checkout:cart-7", new_reference="order:WEB-000123")
    [movement] = stock_sale_commit(reference="order:WEB-000123")

    # then
    assert movement.reference == "order:WEB-000123"
    assert not Reservation.objects.filter(reference="checkout:cart-7").exists()
    assert_stock_invariants()
