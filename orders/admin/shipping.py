"""Staff screen for delivery fees: one row per province (or everywhere) and order value."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin
from config.divisions import province_name
from orders.models import ShippingRule
from orders.services.shipping import shipping_rules_deactivate


@admin.register(ShippingRule)
class ShippingRuleAdmin(ModelAdmin):
    list_display = [
        "name",
        "province",
        "min_order_amount",
        "fee_amount",
        "currency",
        "is_active",
        "updated_at",
    ]
    list_filter = ["is_active", "province_code"]
    search_fields = ["name"]
    fields = ["name", "province_code", "min_order_amount", "fee_amount", "currency", "is_active"]
    actions = ["deactivate"]

    @admin.display(description=gettext_lazy("province / city"), ordering="province_code")
    def province(self, rule):
        return province_name(rule.province_code) or _("Everywhere else")

    @admin.action(description=gettext_lazy("Stop applying these rules"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = shipping_rules_deactivate(rules=queryset)
        self.message_user(request, _("%(count)d rule(s) no longer apply.") % {"count": count})
