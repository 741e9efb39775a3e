"""The stock list and its operations (adjust, count, transfer, receive), each calling an
inventory service.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from config.admin import ImportExportMixin, ModelAdmin
from config.api.errors import DomainError
from config.forms import form_errors_add
from inventory.admin_forms import AdjustForm, CountForm, TransferForm
from inventory.admin_receipts import goods_receipt_page, may_receive, receive_url
from inventory.admin_scoping import StoreScopedAdminMixin, scoped_location_choices
from inventory.admin_search import folded_search_results
from inventory.models import StockLevel
from inventory.resources import StockResource
from inventory.selectors import stock_level_list
from inventory.services import StockLine, stock_adjust, stock_count_record, stock_transfer_dispatch


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
