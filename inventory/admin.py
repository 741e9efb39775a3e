from django.contrib import admin

from inventory.models import ChannelLocation, Location, SalesChannel


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "city", "accepts_pickup", "is_active"]
    list_filter = ["kind", "accepts_pickup", "is_active", "city"]
    search_fields = ["name", "code", "address", "city"]
    prepopulated_fields = {"code": ["name"]}


class ChannelLocationInline(admin.TabularInline):
    model = ChannelLocation
    extra = 0
    ordering = ["priority"]
    autocomplete_fields = ["location"]


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
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
