"""CSV import and export of the catalog and of stock (django-import-export).

Imports are validated row by row and are all or nothing: one bad row and no row is
written; the admin shows each row's errors. Products and stock are written through the
services, so a stock import is a stock count with its ledger lines.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from config.spreadsheets import SpreadsheetSafeResourceMixin
from inventory.exceptions import InventoryError
from inventory.models import Category, Location, Product, StockLevel, Variant
from inventory.selectors import staff_location_ids
from inventory.services import (
    StockLine,
    product_search_text_refresh,
    product_upsert,
    stock_count_record,
)

PRICE_PERMISSION = "inventory.change_price_variant"


class AllOrNothingResource(SpreadsheetSafeResourceMixin, resources.ModelResource):
    def import_data(self, dataset, **kwargs):
        kwargs.setdefault("rollback_on_validation_errors", True)
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, **kwargs)


class CatalogResource(AllOrNothingResource):
    """One row per variant; the product columns repeat on each of its variants."""

    product_slug = fields.Field(
        attribute="product",
        column_name="product_slug",
        widget=widgets.ForeignKeyWidget(Product, field="slug"),
    )
    product_name = fields.Field(
        attribute="product__name", column_name="product_name", readonly=True
    )
    product_name_en = fields.Field(
        attribute="product__name_en", column_name="product_name_en", readonly=True
    )
    category = fields.Field(
        attribute="product__category__slug", column_name="category", readonly=True
    )
    brand = fields.Field(attribute="product__brand", column_name="brand", readonly=True)

    class Meta:
        model = Variant
        import_id_fields = ["sku"]
        fields = [
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
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        self._refuse_price_change(row, kwargs.get("user"))
        slug = (row.get("product_slug") or "").strip()
        if not slug or not (row.get("product_name") or "").strip():
            raise ValidationError(_("product_slug and product_name are required."))
        category = None
        if category_slug := (row.get("category") or "").strip():
            category = Category.objects.filter(slug=category_slug).first()
            if category is None:
                raise ValidationError(_("Unknown category %(slug)s.") % {"slug": category_slug})
        try:
            product_upsert(
                slug=slug,
                name=row["product_name"].strip(),
                name_en=(row.get("product_name_en") or "").strip(),
                brand=(row.get("brand") or "").strip(),
                category=category,
            )
        except InventoryError as error:
            raise ValidationError(error.detail) from None
        if not (row.get("barcode") or "").strip():
            row["barcode"] = None

    def _refuse_price_change(self, row, user) -> None:
        """Prices are the owner's and the store managers' (``change_price_variant``): a file
        from anyone else may not set or change one. The row is refused before anything of it
        is written (the product upsert comes after this check)."""
        if user is None or user.has_perm(PRICE_PERMISSION):
            return
        sku = (row.get("sku") or "").strip()
        current = Variant.objects.filter(sku=sku).values("price_amount", "compare_at_amount")
        current = current.first() or {"price_amount": None, "compare_at_amount": None}
        decimal = widgets.DecimalWidget()
        for column in ("price_amount", "compare_at_amount"):
            if column not in row:
                continue
            try:
                given = decimal.clean(row.get(column))
            except ValueError:
                given = row.get(column)
            if given != current[column]:
                raise ValidationError(
                    {column: _("You may not set or change prices (%(sku)s).") % {"sku": sku}}
                )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._imported_product_ids = set()

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        self._imported_product_ids.add(instance.product_id)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        # Variants are saved by the import itself: their SKUs become searchable here.
        product_search_text_refresh(product_ids=getattr(self, "_imported_product_ids", ()))


class StockResource(AllOrNothingResource):
    """Stock per SKU and location. Importing books the file's ``on_hand`` as a count."""

    sku = fields.Field(
        attribute="variant", column_name="sku", widget=widgets.ForeignKeyWidget(Variant, "sku")
    )
    location = fields.Field(
        attribute="location",
        column_name="location",
        widget=widgets.ForeignKeyWidget(Location, "code"),
    )
    on_hand = fields.Field(
        attribute="on_hand", column_name="on_hand", widget=widgets.IntegerWidget()
    )
    reserved = fields.Field(attribute="reserved", column_name="reserved", readonly=True)
    available = fields.Field(attribute="available", column_name="available", readonly=True)

    class Meta:
        model = StockLevel
        import_id_fields = ["sku", "location"]
        fields = ["sku", "location", "on_hand", "reserved", "available"]
        export_order = fields

    def get_queryset(self):
        return StockLevel.objects.select_related("variant", "location").order_by(
            "location__code", "variant__sku"
        )

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        # Staff count stock only at the locations they work at.
        location_ids = staff_location_ids(kwargs["user"]) if kwargs.get("user") else None
        if location_ids is not None:
            code = (row.get("location") or "").strip()
            if not Location.objects.filter(code=code, pk__in=location_ids).exists():
                raise ValidationError(
                    {"location": _("Not one of your locations: %(code)s.") % {"code": code}}
                )
        try:
            counted = int(str(row.get("on_hand", "")).strip())
        except ValueError:
            raise ValidationError({"on_hand": _("A whole number.")}) from None
        if counted < 0:
            raise ValidationError({"on_hand": _("A count cannot be negative.")})

    def save_instance(self, instance, is_create, row, **kwargs):
        # Not instance.save(): on hand moves only with its ledger line (a count correction).
        try:
            stock_count_record(
                location=instance.location,
                lines=[StockLine(sku=instance.variant.sku, quantity=int(row["on_hand"]))],
                reference="import:stock",
                actor=kwargs.get("user"),
            )
        except InventoryError as error:
            raise ValidationError(error.detail) from None
