import pytest

from inventory.exceptions import InvalidBarcode, InventoryError
from inventory.models import Product, Variant, gtin_checksum_is_valid
from inventory.services import product_upsert, variant_upsert


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("8934563138165", True),  # EAN-13
        ("036000291452", True),  # UPC-A
        ("8934563138166", False),  # wrong check digit
        ("036000291453", False),
        ("89345631381", False),  # too short
        ("893456313816X", False),
    ],
)
def test_gtin_check_digit(code, valid):
    assert gtin_checksum_is_valid(code) is valid


@pytest.mark.django_db
def test_variant_with_a_valid_barcode_and_decimal_price():
    # given
    product = product_upsert(slug="mac-khen", name="Mắc khén", name_en="Mac khen pepper")

    # when
    variant = variant_upsert(
        product=product, sku="MK-100", barcode="8934563138165", price_amount="85000"
    )

    # then
    variant.refresh_from_db()
    assert (variant.barcode, str(variant.price_amount)) == ("8934563138165", "85000.00")


@pytest.mark.django_db
def test_bad_barcode_checksum_is_refused_and_nothing_written():
    product = product_upsert(slug="mac-khen", name="Mắc khén")

    with pytest.raises(InvalidBarcode) as error:
        variant_upsert(product=product, sku="MK-100", barcode="8934563138166", price_amount=1)

    assert error.value.code == "invalid_barcode"
    assert not Variant.objects.exists()


@pytest.mark.django_db
def test_barcode_is_unique():
    product = product_upsert(slug="mac-khen", name="Mắc khén")
    variant_upsert(product=product, sku="MK-100", barcode="8934563138165", price_amount=1)

    with pytest.raises(InventoryError) as error:
        variant_upsert(product=product, sku="MK-200", barcode="8934563138165", price_amount=1)

    assert "barcode" in error.value.fields
    assert Variant.objects.count() == 1


@pytest.mark.django_db
def test_product_upsert_is_idempotent():
    product_upsert(slug="mac-khen", name="Mắc khén")
    product_upsert(slug="mac-khen", name="Mắc khén rừng")

    assert list(Product.objects.values_list("name", flat=True)) == ["Mắc khén rừng"]
