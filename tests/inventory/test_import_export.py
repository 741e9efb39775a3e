import tablib

from inventory.models import Product, StockMovement, Variant
from inventory.resources import CatalogResource, StockResource
from tests.factories import CategoryFactory, stocked
from tests.inventory.checks import row_counts

HEADERS = [
    "product_slug",
    "product_name",
    "product_name_en",
    "category",
    "brand",
    "sku",
    "barcode",
    "name",
    "price_amount",
    "compare_at_amount",
    "is_active",
]


def catalog(*rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_catalog_import_creates_products_and_variants(db):
    # given
    CategoryFactory(slug="gia-vi")
    data = catalog(
        [
            "mac-khen",
            "Mắc khén",
            "Mac khen",
            "gia-vi",
            "Tây Bắc",
            "MK-100",
            "8934563138165",
            "100 g",
            "85000",
            "",
            "1",
        ],
        [
            "mac-khen",
            "Mắc khén",
            "Mac khen",
            "gia-vi",
            "Tây Bắc",
            "MK-250",
            "",
            "250 g",
            "190000",
            "210000",
            "1",
        ],
    )

    # when
    result = CatalogResource().import_data(data, dry_run=False)

    # then
    assert not result.has_errors() and not result.has_validation_errors()
    product = Product.objects.get()
    assert (product.name, product.category.slug) == ("Mắc khén", "gia-vi")
    assert sorted(product.variants.values_list("sku", "barcode")) == [
        ("MK-100", "8934563138165"),
        ("MK-250", None),
    ]


def test_catalog_import_is_all_or_nothing_with_errors_per_row(db):
    # given: row 2 has a bad check digit, row 3 an unknown category
    data = catalog(
        ["mac-khen", "Mắc khén", "", "", "", "MK-100", "8934563138165", "100 g", "85000", "", "1"],
        ["hat-doi", "Hạt dổi", "", "", "", "HD-100", "8934563138166", "100 g", "60000", "", "1"],
        ["tieu", "Tiêu", "", "nope", "", "TI-100", "", "100 g", "60000", "", "1"],
    )
    before = row_counts() | {"Product": Product.objects.count(), "Variant": Variant.objects.count()}

    # when
    result = CatalogResource().import_data(data, dry_run=False)

    # then
    invalid = {row.number: row.error for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "barcode" in invalid[2].message_dict
    assert "nope" in str(invalid[3])
    after = row_counts() | {"Product": Product.objects.count(), "Variant": Variant.objects.count()}
    assert after == before


def test_stock_export_and_import_as_a_count(shop):
    # given
    stocked(shop.variant, shop.hang_giay, 7)

    # when: exported, edited, imported back
    exported = StockResource().export()
    assert exported.dict[0] == {
        "sku": "MAC-KHEN-100",
        "location": "hang-giay",
        "on_hand": "7",
        "reserved": "0",
        "available": "7",
    }
    data = tablib.Dataset(
        ["MAC-KHEN-100", "hang-giay", "5"], headers=["sku", "location", "on_hand"]
    )
    result = StockResource().import_data(data, dry_run=False)

    # then: booked as a count correction in the ledger
    assert not result.has_errors() and not result.has_validation_errors()
    assert StockMovement.objects.filter(kind="count").get().quantity == -2
    assert shop.variant.stock_levels.get().on_hand == 5


def test_stock_import_with_a_bad_row_writes_nothing(shop):
    stocked(shop.variant, shop.hang_giay, 7)
    data = tablib.Dataset(
        ["MAC-KHEN-100", "hang-giay", "5"],
        ["MAC-KHEN-100", "quan-1", "-1"],
        ["NOPE", "hang-giay", "1"],
        headers=["sku", "location", "on_hand"],
    )
    before = row_counts()

    result = StockResource().import_data(data, dry_run=False)

    assert result.has_errors() or result.has_validation_errors()
    assert row_counts() == before
    assert shop.variant.stock_levels.get().on_hand == 7


def test_admin_import_shows_row_errors_and_imports_nothing(client, db):
    # given
    from django.core.files.uploadedfile import SimpleUploadedFile

    from config.roles import OWNER
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(role=OWNER, is_superuser=True))
    csv = (
        ",".join(HEADERS) + "\n"
        "mac-khen,Mắc khén,,,,MK-100,8934563138165,100 g,85000,,1\n"
        "hat-doi,Hạt dổi,,,,HD-100,8934563138166,100 g,60000,,1\n"
    ).encode()

    # when
    page = client.get("/admin/inventory/variant/import/")
    csv_format = next(
        value for value, label in page.context["form"].fields["format"].choices if label == "csv"
    )
    response = client.post(
        "/admin/inventory/variant/import/",
        {
            "import_file": SimpleUploadedFile("catalog.csv", csv, content_type="text/csv"),
            "format": csv_format,
        },
    )

    # then: the row with the bad barcode is named, and nothing can be confirmed or was written
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    assert b"confirm_form" not in response.content
    assert not Variant.objects.exists()
    assert not Product.objects.exists()
