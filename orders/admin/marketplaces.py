"""Staff screens of the marketplaces: shops, listings (mapped or not, last pushed figure,
drift), the webhook event log with replay, held orders with release, the stock sync log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyModelAdmin
from config.api.errors import DomainError
from orders.marketplaces.adapters import PlatformError
from orders.marketplaces.models import (
    HeldOrder,
    Listing,
    MarketplaceShop,
    StockSyncLog,
    WebhookEvent,
)
from orders.marketplaces.services import (
    held_order_release,
    listing_map,
    listings_import_csv,
    shop_orders_pull,
    shop_stock_push,
    shop_stock_reconcile,
    webhook_event_replay,
)


@admin.register(MarketplaceShop)
class MarketplaceShopAdmin(ModelAdmin):
    list_display = ["name", "platform", "shop_id", "channel", "is_active", "orders_synced_to"]
    list_filter = ["platform", "is_active"]
    search_fields = ["name", "shop_id"]
    readonly_fields = ["pushed_safety_buffer", "pushed_publish_percentage", "orders_synced_to"]
    actions = ["push_now", "reconcile_now", "pull_orders_now"]

    def _each(self, request, queryset, run, done):
        for shop in queryset.select_related("channel"):
            try:
                result = run(shop)
            except (PlatformError, DomainError) as error:
                self.message_user(request, f"{shop}: {error}", level=messages.ERROR)
            else:
                self.message_user(request, done % {"shop": shop, "result": result})

    @admin.action(description=gettext_lazy("Push stock figures now"), permissions=["change"])
    def push_now(self, request, queryset):
        self._each(
            request, queryset, lambda shop: shop_stock_push(shop=shop).pushed,
            _("%(shop)s: %(result)s figure(s) pushed."),
        )  # fmt: skip

    @admin.action(
        description=gettext_lazy("Reconcile with the platform now"), permissions=["change"]
    )
    def reconcile_now(self, request, queryset):
        self._each(
            request, queryset, lambda shop: shop_stock_reconcile(shop=shop),
            _("%(shop)s: %(result)s listing(s) had drifted and were corrected."),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Fetch missed orders now"), permissions=["change"])
    def pull_orders_now(self, request, queryset):
        self._each(
            request, queryset, lambda shop: shop_orders_pull(shop=shop),
            _("%(shop)s: %(result)s order(s) fetched."),
        )  # fmt: skip


class ListingMappingFilter(admin.SimpleListFilter):
    title = gettext_lazy("mapping")
    parameter_name = "mapped"

    def lookups(self, request, model_admin):
        return [("yes", _("Mapped")), ("no", _("Unmapped"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(variant__isnull=False)
        if self.value() == "no":
            return queryset.filter(variant__isnull=True)
        return queryset


class ListingImportForm(forms.Form):
    shop = forms.ModelChoiceField(
        queryset=MarketplaceShop.objects.filter(is_active=True), label=gettext_lazy("shop")
    )
    file = forms.FileField(
        help_text=gettext_lazy("CSV with columns item_id, model_id, seller_sku, name, sku.")
    )


@admin.register(Listing)
class ListingAdmin(ModelAdmin):
    """Listings come from the platform (import, or an order naming an unknown item); staff
    only choose the variant each one sells."""

    list_display = [
        "__str__", "shop", "name", "variant", "mapped", "last_pushed_quantity",
        "last_pushed_at", "platform_quantity", "drift", "dirty_count",
    ]  # fmt: skip
    list_filter = [ListingMappingFilter, "shop"]
    search_fields = ["item_id", "model_id", "seller_sku", "name", "variant__sku"]
    list_select_related = ["shop", "variant__product"]
    autocomplete_fields = ["variant"]
    fields = [
        "shop", "item_id", "model_id", "seller_sku", "name", "variant", "last_pushed_quantity",
        "last_pushed_at", "platform_quantity", "reconciled_at", "dirty_count", "dirty_since",
    ]  # fmt: skip
    readonly_fields = [name for name in fields if name != "variant"]
    change_list_template = "admin/orders/listing/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=gettext_lazy("mapped"))
    def mapped(self, listing):
        return listing.is_mapped

    @admin.display(description=gettext_lazy("drift"))
    def drift(self, listing):
        return listing.drift

    def save_model(self, request, obj, form, change):
        listing_map(listing=obj, variant=form.cleaned_data["variant"])

    def get_urls(self):
        importer = path(
            "import/", self.admin_site.admin_view(self.import_view), name="orders_listing_import"
        )
        return [importer, *super().get_urls()]

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ListingImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = listings_import_csv(
                    shop=form.cleaned_data["shop"], file=form.cleaned_data["file"]
                )
            except DomainError as error:
                form.add_error("file", error.detail)
            else:
                self.message_user(
                    request,
                    _("%(created)d created, %(updated)d updated, %(mapped)d mapped, "
                      "%(unmapped)d unmapped (listed below).")
                    % {"created": report.created, "updated": report.updated,
                       "mapped": report.mapped, "unmapped": len(report.unmapped)},
                )  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import listings"),
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/listing/import.html", context)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyModelAdmin):
    list_display = ["received_at", "shop", "external_ref", "status", "attempts", "order", "error"]
    list_filter = ["status", "shop"]
    search_fields = ["external_ref", "event_id"]
    list_select_related = ["shop", "order"]
    actions = ["replay"]

    def has_replay_permission(self, request):
        return request.user.has_perm("orders.change_webhookevent")

    @admin.action(description=gettext_lazy("Replay (process again)"), permissions=["replay"])
    def replay(self, request, queryset):
        count = webhook_event_replay(events=list(queryset))
        self.message_user(request, _("%(count)d event(s) processed again.") % {"count": count})


@admin.register(HeldOrder)
class HeldOrderAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at", "shop", "external_ref", "reason", "status", "platform_status",
        "unmapped_items", "order",
    ]  # fmt: skip
    list_filter = ["status", "reason", "shop"]
    search_fields = ["external_ref"]
    list_select_related = ["shop", "order"]
    actions = ["release"]

    def has_release_permission(self, request):
        return request.user.has_perm("orders.change_heldorder")

    @admin.action(
        description=gettext_lazy("Release (record the order; map its items first)"),
        permissions=["release"],
    )
    def release(self, request, queryset):
        released = 0
        for hold in queryset.select_related("shop__channel"):
            try:
                held_order_release(hold=hold)
            except DomainError as error:
                detail = " ".join([error.detail, *map(str, error.fields.get("items", []))])
                self.message_user(request, f"{hold.external_ref}: {detail}", level=messages.ERROR)
            else:
                released += 1
        if released:
            self.message_user(request, _("%(count)d order(s) released.") % {"count": released})
        return redirect(request.get_full_path())


@admin.register(StockSyncLog)
class StockSyncLogAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "listing", "kind", "quantity", "platform_quantity", "outcome",
                    "attempt", "answer"]  # fmt: skip
    list_filter = ["kind", "outcome", "listing__shop"]
    search_fields = ["listing__item_id", "listing__seller_sku"]
    list_select_related = ["listing"]
