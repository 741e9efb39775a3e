"""Combos: marketing sets the variants, quantities and the set's price; checkouts apply them."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy, ngettext

from config.admin import ModelAdmin, TabularInline
from orders.models import Bundle, BundleItem
from orders.selectors import bundle_link_path


class BundleItemInline(TabularInline):
    model = BundleItem
    extra = 1
    autocomplete_fields = ["variant"]
    fields = ["variant", "quantity"]


@admin.register(Bundle)
class BundleAdmin(ModelAdmin):
    list_display = ["name", "price_amount", "item_count", "starts_at", "ends_at", "is_active"]
    list_filter = ["is_active", "channels", "starts_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["channels"]
    inlines = [BundleItemInline]
    readonly_fields = ["combo_link", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "channels"]}),
        (gettext_lazy("Price"), {"fields": ["price_amount"]}),
        (gettext_lazy("Validity"), {"fields": ["starts_at", "ends_at"]}),
        (gettext_lazy("Sharing"), {"fields": ["combo_link", "created_at"]}),
    ]
    actions = ["deactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items")

    @admin.display(description=gettext_lazy("Items"))
    def item_count(self, bundle):
        return sum(item.quantity for item in bundle.items.all())

    @admin.display(description=gettext_lazy("Combo link (fills the cart)"))
    def combo_link(self, bundle):
        if bundle.pk is None:
            return "—"
        path = bundle_link_path(bundle=bundle)
        return format_html('<a href="{}">{}</a>', path, path)

    @admin.action(description=gettext_lazy("End the selected combos now"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d combo ended.", "%(count)d combos ended.", count) % {"count": count},
            messages.SUCCESS,
        )
