"""Staff screens of the stores: locations, who works where, and the sales channels."""

from django.contrib import admin

from config.admin import ModelAdmin, TabularInline
from inventory.admin_scoping import StoreScopedAdminMixin
from inventory.models import ChannelLocation, Location, SalesChannel, StaffMembership
from inventory.selectors import staff_location_ids


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
