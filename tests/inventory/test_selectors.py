from inventory.selectors import (
    stock_level_low_list,
    stock_movement_history,
    variant_availability_by_location,
    variant_available_to_sell,
)
from inventory.services import StockLine, stock_adjust, stock_reserve
from tests.factories import VariantFactory, stocked


def test_available_to_sell_sums_locations_minus_buffer_then_percentage(shop):
    # given: warehouse 20 on hand with 3 held; Shopee keeps 2 back and publishes 80 %
    stocked(shop.variant, shop.warehouse, 20)
    stocked(shop.variant, shop.hang_giay, 4)
    stock_reserve(
        channel=shop.web, lines=[StockLine(sku="MAC-KHEN-100", quantity=3)], reference="r"
    )

    # when
    web = variant_available_to_sell(channel=shop.web).get(pk=shop.variant.pk)
    shopee = variant_available_to_sell(channel=shop.shopee).get(pk=shop.variant.pk)

    # then: web 17 + 4; Shopee (17 - 2) * 80 % = 12
    assert web.available_to_sell == 21
    assert shopee.available_to_sell == 12


def test_available_to_sell_rounds_down_and_never_goes_below_zero(shop):
    # given: 3 in the warehouse: (3 - 2) * 0.8 = 0.8 → 0; a location in the red counts as 0
    stocked(shop.variant, shop.warehouse, 3)
    store_only = VariantFactory(sku="STORE-ONLY")
    stocked(store_only, shop.hang_giay, 1)
    from inventory.services import stock_offline_sale_record

    stock_offline_sale_record(
        location=shop.hang_giay, lines=[StockLine(sku="STORE-ONLY", quantity=4)], reference="x"
    )

    # when
    shopee = {v.sku: v.available_to_sell for v in variant_available_to_sell(channel=shop.shopee)}
    web = {v.sku: v.available_to_sell for v in variant_available_to_sell(channel=shop.web)}

    # then
    assert shopee["MAC-KHEN-100"] == 0
    assert web["STORE-ONLY"] == 0
    assert web["MAC-KHEN-100"] == 3


def test_availability_per_location(shop):
    stocked(shop.variant, shop.hang_giay, 3)
    stocked(shop.variant, shop.saigon, 1)
    stock_adjust(location=shop.saigon, sku="MAC-KHEN-100", quantity=-1, reason="Hỏng")

    rows = variant_availability_by_location(variants=[shop.variant])

    assert {(r.location.name, r.available_quantity) for r in rows} == {
        ("Hàng Giấy", 3),
        ("Quận 1", 0),
    }


def test_low_stock_list_and_movement_history(shop):
    # given
    low = stocked(shop.variant, shop.hang_giay, 2)
    plenty = VariantFactory(sku="PLENTY")
    stocked(plenty, shop.hang_giay, 50)
    stock_adjust(location=shop.hang_giay, sku="MAC-KHEN-100", quantity=-1, reason="Vỡ")

    # when
    low_list = list(stock_level_low_list(location=shop.hang_giay))
    history = list(stock_movement_history(variant=shop.variant))

    # then
    assert low_list == [low]
    assert [(m.kind, m.quantity) for m in history] == [("adjustment", -1), ("receipt", 2)]


def test_lookups_by_reference(shop):
    from inventory.selectors import (
        reservation_list_for_reference,
        stock_movement_list_for_reference,
    )
    from inventory.services import stock_sale_commit

    stocked(shop.variant, shop.warehouse, 5)
    stock_reserve(
        channel=shop.web, lines=[StockLine(sku="MAC-KHEN-100", quantity=2)], reference="order:W-1"
    )

    [reservation] = reservation_list_for_reference(reference="order:W-1")
    stock_sale_commit(reference="order:W-1")

    assert reservation.stock_level.variant.sku == "MAC-KHEN-100"
    assert list(reservation_list_for_reference(reference="order:W-1")) == []
    assert [m.quantity for m in stock_movement_list_for_reference(reference="order:W-1")] == [-2]
