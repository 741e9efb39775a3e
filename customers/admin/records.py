"""The append-only records, read-only: consent, the timeline's events, the loyalty ledger."""

from django.contrib import admin

from config.admin import LargeTableAdminMixin, ReadOnlyModelAdmin
from customers.models import ConsentRecord, Event, LoyaltyEntry


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyModelAdmin):
    list_display = [
        "recorded_at",
        "customer",
        "channel",
        "purpose",
        "granted",
        "source",
        "actor",
        "wording_version",
    ]
    list_filter = ["channel", "purpose", "granted", "source", "actor"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(Event)
class EventAdmin(LargeTableAdminMixin, ReadOnlyModelAdmin):
    list_display = ["occurred_at", "kind", "customer", "channel", "location"]
    list_filter = ["kind", "channel"]
    list_select_related = ["customer", "channel", "location"]
    raw_id_fields = ["customer"]
    show_full_result_count = False  # the timeline grows large; counting it all is slow


@admin.register(LoyaltyEntry)
class LoyaltyEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "customer", "kind", "points", "reference"]
    list_filter = ["kind"]
    list_select_related = ["customer"]
    search_fields = ["reference"]
