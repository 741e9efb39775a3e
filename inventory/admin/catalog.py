"""Staff screens of the catalog: categories, products and variants (prices are the
owner's and the store managers'); saving one makes the web store's cached pages stale.
"""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy

from config.admin import ImportExportMixin, ModelAdmin, TabularInline
from inventory.admin_scoping import StoreScopedAdminMixin
from inventory.admin_search import folded_search_results
from inventory.models import Category, Product, ProductImage, StockLevel, Variant
from inventory.resources import CatalogResource
from inventory.selectors import stock_level_list
from inventory.services import product_search_text_refresh
from inventory.store_cache import store_catalog_changed


class StoreCatalogAdminMixin:
    """A screen whose saves and deletes change what the web store shows: its cached pages
    are stale from the commit (inventory/store_cache.py)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        store_catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        store_catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        store_catalog_changed()


@admin.register(Category)
class CategoryAdmin(StoreCatalogAdminMixin, ModelAdmin):
    list_display = ["name", "name_en", "parent", "slug", "position"]
    list_select_related = ["parent"]
    search_fields = ["name", "name_en", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name_en"]}


PRICE_FIELDS = ["price_amount", "compare_at_amount"]


def _may_price(request) -> bool:
    return request.user.has_perm("inventory.change_price_variant")


def _price_fields_read_only(request, readonly_fields):
    """Prices are the owner's and the store managers' (``change_price_variant``)."""
    if _may_price(request):
        return list(readonly_fields)
    return [*readonly_fields, *PRICE_FIELDS]


class VariantInline(TabularInline):
    model = Variant
    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return _price_fields_read_only(request, super().get_readonly_fields(request, obj))

    def has_add_permission(self, request, obj=None):
        # A variant is sold at a price: who may not set one may not add one.
        return super().has_add_permission(request, obj) and _may_price(request)

    fields = [
        "sku",
        "barcode",
        "name",
        "option_values",
        "price_amount",
        "compare_at_amount",
        "position",
        "is_active",
    ]


class ProductImageInline(TabularInline):
    model = ProductImage
    extra = 0


@admin.register(Product)
class ProductAdmin(StoreCatalogAdminMixin, ModelAdmin):
    list_display = ["name", "name_en", "brand", "category", "is_active", "updated_at"]
    list_filter = ["is_active", "category", "brand"]
    list_select_related = ["category"]
    search_fields = ["name", "name_en", "slug", "variants__sku", "variants__barcode"]
    autocomplete_fields = ["category"]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["stock_per_location"]
    inlines = [VariantInline, ProductImageInline]

    def get_search_results(self, request, queryset, search_term):
        # Names and brand without accents ("ca phe"), SKUs in any case, a barcode.
        return folded_search_results(
            queryset,
            search_term,
            folded=("search_text",),
            codes=("variants__sku__iexact", "variants__barcode", "slug"),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The inlines wrote the variants directly: the SKUs must become searchable.
        product_search_text_refresh(product_ids=[form.instance.pk])

    @admin.display(description=gettext_lazy("Stock per location (on hand / reserved)"))
    def stock_per_location(self, product):
        if product.pk is None:
            return "—"
        levels = stock_level_list().filter(variant__product=product)
        return (
            format_html_join(
                "\n",
                "<div>{} @ {}: {} / {}</div>",
                ((lv.variant.sku, lv.location.name, lv.on_hand, lv.reserved) for lv in levels),
            )
            or "—"
        )


class StockLevelInline(StoreScopedAdminMixin, TabularInline):
    model = StockLevel
    extra = 0
    fields = ["location", "on_hand", "reserved", "low_stock_threshold"]
    readonly_fields = ["location", "on_hand", "reserved"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Variant)
class VariantAdmin(StoreCatalogAdminMixin, ImportExportMixin, ModelAdmin):
    """Also the catalog's CSV import and export: one row per variant (see README)."""

    resource_classes = [CatalogResource]
    list_display = ["sku", "product", "name", "barcode", "price_amount", "is_active"]
    list_select_related = ["product"]
    list_filter = ["is_active"]
    search_fields = ["sku", "barcode", "product__name", "product__name_en"]
    autocomplete_fields = ["product"]
    inlines = [StockLevelInline]

    def get_readonly_fields(self, request, obj=None):
        return _price_fields_read_only(request, super().get_readonly_fields(request, obj))

    def has_add_permission(self, request):
        # A variant is sold at a price: who may not set one may not add one.
        return super().has_add_permission(request) and _may_price(request)

    def get_search_results(self, request, queryset, search_term):
        # The product's names without accents, the variant's SKU (any case), size or barcode.
        return folded_search_results(
            queryset,
            search_term,
            folded=("product__search_text",),
            words=("sku", "name"),
            codes=("sku__iexact", "barcode"),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The SKU is searchable on its product, and no longer on one it was moved from.
        previous = form.initial.get("product")
        product_search_text_refresh(product_ids={obj.product_id, *([previous] if previous else [])})
