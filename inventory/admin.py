from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from config.admin import (
    ImportExportMixin,
    LargeTableAdminMixin,
    ModelAdmin,
    ReadOnlyInline,
    ReadOnlyModelAdmin,
    TabularInline,
    action_permission,
)
from config.api.errors import DomainError
from config.forms import form_errors_add
from inventory.admin_forms import AdjustForm, CountForm, TransferForm
from inventory.admin_receipts import goods_receipt_page, may_receive, receive_url
from inventory.admin_scoping import StoreScopedAdminMixin, scoped_location_choices
from inventory.admin_search import folded_search_results
from inventory.models import (
    Category,
    ChannelLocation,
    Location,
    Product,
    ProductImage,
    Reservation,
    SalesChannel,
    StaffMembership,
    StockDiscrepancy,
    StockLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
    Variant,
)
from inventory.resources import CatalogResource, StockResource
from inventory.selectors import staff_location_ids, stock_level_list
from inventory.services import (
    StockLine,
    product_search_text_refresh,
    reservation_release,
    stock_adjust,
    stock_count_record,
    stock_discrepancy_resolve,
    stock_transfer_dispatch,
    stock_transfer_receive,
)
from inventory.store_cache import store_catalog_changed


@admin.register(Location)
class LocationAdmin(StoreScopedAdminMixin, ModelAdmin):
    list_display = ["name", "code", "kind", "city", "province_code", "accepts_pickup", "is_active"]
    list_filter = ["kind", "accepts_pickup", "is_active", "province_code"]
    search_fields = ["name", "code", "address", "city"]
    prepopulated_fields = {"code": ["name"]}
    store_fields = ("pk",)

    def has_add_permission(self, request):
        # A new location has no members yet: only staff who act everywhere open one.
        return super().has_add_permission(request) and staff_location_ids(request.user) is None


@admin.register(StaffMembership)
class StaffMembershipAdmin(StoreScopedAdminMixin, ModelAdmin):
    """Who works where: the scope of store managers, cashiers and warehouse staff."""

    list_display = ["user", "location", "created_at"]
    list_filter = ["location"]
    list_select_related = ["user", "location"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "location__name"]
    autocomplete_fields = ["user"]


class ChannelLocationInline(TabularInline):
    model = ChannelLocation
    extra = 0
    ordering = ["priority"]
    autocomplete_fields = ["location"]


@admin.register(SalesChannel)
class SalesChannelAdmin(ModelAdmin):
    list_display = [
        "name",
        "code",
        "kind",
        "currency",
        "safety_buffer",
        "publish_percentage",
        "is_active",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    inlines = [ChannelLocationInline]


# --- Catalog ------------------------------------------------------------------------------


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


# --- Stock --------------------------------------------------------------------------------


class LowStockFilter(admin.SimpleListFilter):
    title = gettext_lazy("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [
            ("low", _("Low (at or below threshold)")),
            ("negative", _("Negative available")),
            ("out", pgettext("stock", "None available")),
        ]

    def queryset(self, request, queryset):
        available = F("on_hand") - F("reserved")
        if self.value() == "low":
            return queryset.alias(free=available).filter(free__lte=F("low_stock_threshold"))
        if self.value() == "negative":
            return queryset.alias(free=available).filter(free__lt=0)
        if self.value() == "out":
            return queryset.alias(free=available).filter(free__lte=0)
        return queryset


STOCK_OPERATIONS = {
    "adjust": (AdjustForm, gettext_lazy("Adjust stock")),
    "transfer": (TransferForm, gettext_lazy("Transfer between locations")),
    "count": (CountForm, gettext_lazy("Record a stock count")),
}


def _run_stock_operation(operation: str, data: dict, user):
    line = StockLine(sku=data["sku"].strip(), quantity=data["quantity"])
    if operation == "adjust":
        stock_adjust(
            location=data["location"],
            sku=line.sku,
            quantity=line.quantity,
            reason=data["reason"],
            actor=user,
        )
    elif operation == "transfer":
        return stock_transfer_dispatch(
            source=data["source"],
            destination=data["destination"],
            lines=[line],
            note=data["note"],
            actor=user,
        )
    elif operation == "count":
        stock_count_record(
            location=data["location"], lines=[line], reference=data["reference"], actor=user
        )
    return None


@admin.register(StockLevel)
class StockLevelAdmin(StoreScopedAdminMixin, ImportExportMixin, ModelAdmin):
    resource_classes = [StockResource]
    # The most derived template: import-export's shows its buttons only to who may add.
    import_export_change_list_template = "admin/inventory/stocklevel/change_list.html"
    list_display = [
        "sku",
        "product_name",
        "location",
        "on_hand",
        "reserved",
        "available_quantity",
        "low_stock_threshold",
    ]
    list_filter = ["location", LowStockFilter]
    search_fields = ["variant__sku", "variant__barcode", "variant__product__name"]
    fields = ["variant", "location", "on_hand", "reserved", "low_stock_threshold"]
    readonly_fields = ["variant", "location", "on_hand", "reserved"]
    list_per_page = 100

    def get_queryset(self, request):
        return self.scope_queryset(request, stock_level_list())

    def has_add_permission(self, request):
        return False  # stock levels appear when stock is received

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return folded_search_results(
            queryset,
            search_term,
            folded=("variant__product__search_text",),
            words=("variant__sku", "variant__name"),
            codes=("variant__sku__iexact", "variant__barcode"),
        )

    @admin.display(description=gettext_lazy("SKU"), ordering="variant__sku")
    def sku(self, level):
        return level.variant.sku

    @admin.display(description=gettext_lazy("Product"), ordering="variant__product__name")
    def product_name(self, level):
        return f"{level.variant.product.name} {level.variant.name}".strip()

    @admin.display(description=gettext_lazy("Available"), ordering="available_quantity")
    def available_quantity(self, level):
        return level.available_quantity

    def changelist_view(self, request, extra_context=None):
        # The buttons above the list: Receive opens the goods receipt page (at the location
        # the list is filtered to); the other operations need the right to change stock.
        location_id = request.GET.get("location__id__exact", "")
        extra = {
            "stock_receive_url": (
                receive_url(location_id if location_id.isdigit() else None)
                if may_receive(request)
                else None
            ),
            "stock_operations_allowed": self.has_change_permission(request),
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def get_urls(self):
        # Receive is a delivery of many lines: the goods receipt page (inventory.admin_receipts).
        receive = path(
            "receive/",
            self.admin_site.admin_view(self.receive_view),
            name="inventory_stocklevel_receive",
        )
        operations = [
            path(
                f"{operation}/",
                self.admin_site.admin_view(self.stock_operation_view),
                {"operation": operation},
                name=f"inventory_stocklevel_{operation}",
            )
            for operation in STOCK_OPERATIONS
        ]
        return [receive, *operations, *super().get_urls()]

    def receive_view(self, request):
        return goods_receipt_page(self, request)

    def stock_operation_view(self, request, operation):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form_class, title = STOCK_OPERATIONS[operation]
        form = form_class(request.POST or None)
        # Stock moves at the staff member's own locations; a transfer may go anywhere.
        for name in ("location", "source"):
            if name in form.fields:
                form.fields[name].queryset = scoped_location_choices(
                    request, form.fields[name].queryset
                )
        if request.method == "POST" and form.is_valid():
            try:
                transfer = _run_stock_operation(operation, form.cleaned_data, request.user)
            except DomainError as error:
                form_errors_add(form, error)
            else:
                self.message_user(request, _("Done: %(title)s.") % {"title": title})
                if transfer is not None:
                    return redirect("admin:inventory_stocktransfer_change", transfer.pk)
                return redirect("admin:inventory_stocklevel_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/inventory/stock_operation.html", context)


@admin.register(StockMovement)
class StockMovementAdmin(LargeTableAdminMixin, StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """The ledger: append-only, so read-only here."""

    store_fields = ("stock_level__location",)

    list_display = [
        "created_at",
        "kind",
        "quantity",
        "stock_level",
        "reference",
        "channel",
        "actor_label",
        "reason",
    ]
    list_filter = ["kind", "stock_level__location", "channel", "created_at"]
    search_fields = ["reference", "stock_level__variant__sku", "actor_label", "reason"]
    list_select_related = ["stock_level__variant", "stock_level__location", "channel"]
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    store_fields = ("stock_level__location",)
    list_display = [
        "reference",
        "kind",
        "status",
        "quantity",
        "stock_level",
        "channel",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "kind", "channel", "stock_level__location"]
    search_fields = ["reference", "stock_level__variant__sku"]
    list_select_related = ["stock_level__variant", "stock_level__location", "channel"]
    actions = ["release"]

    # The rows stay read-only (the services write them); releasing needs the change right.
    has_release_permission = action_permission("inventory.change_reservation")

    @admin.action(
        description=gettext_lazy("Release (give the units back)"), permissions=["release"]
    )
    def release(self, request, queryset):
        location_ids = staff_location_ids(request.user)
        units = 0
        for reference in sorted(set(queryset.values_list("reference", flat=True))):
            # Releasing gives back every unit of the reference: a scoped staff member may
            # not release what is held at a location they do not work at.
            elsewhere = Reservation.objects.filter(
                reference=reference, status=Reservation.Status.ACTIVE
            ).exclude(stock_level__location__in=location_ids or ())
            if location_ids is not None and elsewhere.exists():
                self.message_user(
                    request,
                    _("%(reference)s: part of it is held at another location; not released.")
                    % {"reference": reference},
                    messages.ERROR,
                )
                continue
            units += reservation_release(reference=reference)
        self.message_user(request, _("%(units)d unit(s) released.") % {"units": units})


@admin.register(StockDiscrepancy)
class StockDiscrepancyAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    store_fields = ("stock_level__location",)
    list_display = ["created_at", "stock_level", "shortfall", "reference", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "stock_level__location"]
    search_fields = ["reference", "stock_level__variant__sku"]
    list_select_related = ["stock_level__variant", "stock_level__location"]
    actions = ["resolve"]

    has_resolve_permission = action_permission("inventory.change_stockdiscrepancy")

    @admin.action(description=gettext_lazy("Mark resolved"), permissions=["resolve"])
    def resolve(self, request, queryset):
        count = stock_discrepancy_resolve(discrepancies=queryset, now=timezone.now())
        self.message_user(request, _("%(count)d discrepancy(ies) resolved.") % {"count": count})


class StockTransferLineInline(ReadOnlyInline):
    model = StockTransferLine
    fields = ["variant", "quantity", "received_quantity"]
    readonly_fields = fields


@admin.register(StockTransfer)
class StockTransferAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    store_fields = ("source", "destination")  # either end
    list_display = ["__str__", "status", "dispatched_at", "received_at"]
    list_filter = ["status", "source", "destination"]
    list_select_related = ["source", "destination"]
    inlines = [StockTransferLineInline]
    fields = ["source", "destination", "status", "note", "dispatched_at", "received_at"]
    actions = ["receive_in_transit"]

    # Transfers move through the services: the page reads them, the action receives them.
    has_receive_permission = action_permission("inventory.change_stocktransfer")

    @admin.action(
        description=gettext_lazy("Receive everything still in transit"), permissions=["receive"]
    )
    def receive_in_transit(self, request, queryset):
        for transfer in queryset.exclude(status=StockTransfer.Status.RECEIVED):
            try:
                stock_transfer_receive(transfer=transfer, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{transfer}: {error.detail}", messages.ERROR)
        self.message_user(request, _("Transfers received."))
