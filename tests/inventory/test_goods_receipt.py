"""goods_receipt_post: a delivery of many lines, one movement each, all or nothing."""

from decimal import Decimal

import pytest

from config.roles import WAREHOUSE
from inventory.exceptions import LocationInactive, LocationNotYours, ReceiptLinesInvalid
from inventory.models import GoodsReceipt, GoodsReceiptLine, StockLevel, StockMovement, Supplier
from inventory.services import ReceiptLine, goods_receipt_post
from tests.factories import StaffFactory, VariantFactory, stocked
from tests.inventory.checks import assert_stock_invariants, row_counts

pytestmark = pytest.mark.django_db


def _counts():
    return {
        **row_counts(),
        "GoodsReceipt": GoodsReceipt.objects.count(),
        "GoodsReceiptLine": GoodsReceiptLine.objects.count(),
    }


@pytest.fixture
def goods(shop):
    return {
        "mac_khen": shop.variant,  # MAC-KHEN-100
        "hat_doi": VariantFactory(sku="HAT-DOI-50", barcode="8930000000019"),
        "tieu": VariantFactory(sku="TIEU-RUNG-100"),
    }


def test_a_three_line_delivery_is_three_movements_at_cost(shop, goods):
    # given
    clerk = StaffFactory(role=WAREHOUSE, stores=[shop.warehouse])
    supplier = Supplier.objects.create(name="HTX Mắc khén Tây Bắc", tax_code="0101234567")
    stocked(goods["tieu"], shop.warehouse, 4)

    # when: a SKU typed in small letters, a barcode scanned, a SKU as printed
    receipt = goods_receipt_post(
        location=shop.warehouse,
        supplier=supplier,
        supplier_reference="PGH-0042",
        lines=[
            ReceiptLine(code="mac-khen-100", quantity=12, unit_cost_amount=Decimal("62000")),
            ReceiptLine(code="8930000000019", quantity=30, unit_cost_amount=Decimal("18500.4")),
            ReceiptLine(code="TIEU-RUNG-100", quantity=6, unit_cost_amount=Decimal("0")),
        ],
        actor=clerk,
    )

    # then
    lines = list(receipt.lines.select_related("variant", "movement").order_by("id"))
    assert [(ln.variant.sku, ln.quantity, ln.unit_cost_amount) for ln in lines] == [
        ("MAC-KHEN-100", 12, Decimal("62000")),
        ("HAT-DOI-50", 30, Decimal("18500")),  # whole đồng
        ("TIEU-RUNG-100", 6, Decimal("0")),
    ]
    assert [
        (ln.movement.kind, ln.movement.quantity, ln.movement.reference, ln.movement.actor)
        for ln in lines
    ] == [("receipt", q, f"receipt:{receipt.pk}", clerk) for q in (12, 30, 6)]
    assert lines[0].movement.reason == "HTX Mắc khén Tây Bắc PGH-0042"
    assert (receipt.received_by, receipt.supplier, receipt.total_cost_amount) == (
        clerk,
        supplier,
        Decimal(12 * 62000 + 30 * 18500),
    )
    on_hand = dict(
        StockLevel.objects.filter(location=shop.warehouse).values_list("variant__sku", "on_hand")
    )
    assert on_hand == {"MAC-KHEN-100": 12, "HAT-DOI-50": 30, "TIEU-RUNG-100": 10}
    assert_stock_invariants()


def test_the_same_product_on_two_lines_at_two_costs_is_two_movements(shop, goods):
    # when
    receipt = goods_receipt_post(
        location=shop.hang_giay,
        lines=[
            ReceiptLine(code="MAC-KHEN-100", quantity=5, unit_cost_amount=Decimal(60000)),
            ReceiptLine(code="Mac-Khen-100", quantity=7, unit_cost_amount=Decimal(58000)),
        ],
    )

    # then
    assert StockMovement.objects.filter(reference=receipt.reference).count() == 2
    assert StockLevel.objects.get(location=shop.hang_giay).on_hand == 12
    assert receipt.total_cost_amount == Decimal(5 * 60000 + 7 * 58000)
    assert_stock_invariants()


def test_bad_lines_refuse_the_whole_delivery_naming_each_line(shop, goods):
    # given
    before = _counts()

    # when
    with pytest.raises(ReceiptLinesInvalid) as refused:
        goods_receipt_post(
            location=shop.warehouse,
            lines=[
                ReceiptLine(code="MAC-KHEN-100", quantity=2, unit_cost_amount=Decimal(1)),
                ReceiptLine(code="KHONG-CO", quantity=2, unit_cost_amount=Decimal(1)),
                ReceiptLine(code="HAT-DOI-50", quantity=0, unit_cost_amount=Decimal(1)),
                ReceiptLine(code="TIEU-RUNG-100", quantity=-3, unit_cost_amount=Decimal(1)),
                ReceiptLine(code="tieu-rung-100", quantity=1, unit_cost_amount=Decimal(-1)),
            ],
        )

    # then
    assert sorted(refused.value.fields) == [
        "lines.1.code",
        "lines.2.quantity",
        "lines.3.quantity",
        "lines.4.unit_cost_amount",
    ]
    assert "KHONG-CO" in refused.value.fields["lines.1.code"][0]
    assert _counts() == before


def test_no_lines_is_refused(shop):
    with pytest.raises(ReceiptLinesInvalid):
        goods_receipt_post(location=shop.warehouse, lines=[])
    assert not GoodsReceipt.objects.exists()


def test_a_location_the_clerk_does_not_work_at_is_refused(shop, goods):
    # given
    clerk = StaffFactory(role=WAREHOUSE, stores=[shop.warehouse])
    before = _counts()

    # when
    with pytest.raises(LocationNotYours):
        goods_receipt_post(
            location=shop.saigon,
            lines=[ReceiptLine(code="MAC-KHEN-100", quantity=1, unit_cost_amount=Decimal(1))],
            actor=clerk,
        )

    # then
    assert _counts() == before


def test_an_inactive_location_is_refused(shop, goods):
    shop.saigon.is_active = False
    shop.saigon.save()
    before = _counts()
    with pytest.raises(LocationInactive):
        goods_receipt_post(
            location=shop.saigon,
            lines=[ReceiptLine(code="MAC-KHEN-100", quantity=1, unit_cost_amount=Decimal(1))],
        )
    assert _counts() == before


def test_skus_differing_only_by_case_need_the_exact_spelling(shop):
    # given: two SKUs the catalog tells apart by case alone
    upper = VariantFactory(sku="AB-1")
    VariantFactory(sku="ab-1")

    # when: the exact spelling names one; another spelling names neither
    receipt = goods_receipt_post(
        location=shop.warehouse,
        lines=[ReceiptLine(code="AB-1", quantity=1, unit_cost_amount=Decimal(1))],
    )
    with pytest.raises(ReceiptLinesInvalid) as refused:
        goods_receipt_post(
            location=shop.warehouse,
            lines=[ReceiptLine(code="Ab-1", quantity=1, unit_cost_amount=Decimal(1))],
        )

    # then
    assert receipt.lines.get().variant == upper
    assert list(refused.value.fields) == ["lines.0.code"]
