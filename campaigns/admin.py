from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from campaigns.channels import call_list
from campaigns.models import (
    Attribution,
    CallListCustomer,
    ConsumerCursor,
    MessageActivity,
    MessageLink,
)
from config.admin import ReadOnlyModelAdmin
from customers.models import ContactPoint

# --- Tracking and attribution: rows only the services write ------------------------------


@admin.register(MessageActivity)
class MessageActivityAdmin(ReadOnlyModelAdmin):
    list_display = [
        "occurred_at",
        "kind",
        "is_scanner",
        "message",
        "channel",
        "link_position",
        "source",
    ]
    list_filter = ["kind", "is_scanner", "message__channel", "source"]
    list_select_related = ["message", "link"]
    date_hierarchy = "occurred_at"
    search_fields = ["=message__id", "=message__provider_id"]
    raw_id_fields = ["message", "link"]

    @admin.display(description=_("channel"), ordering="message__channel")
    def channel(self, activity):
        return activity.message.get_channel_display()

    @admin.display(description=_("link"))
    def link_position(self, activity):
        return "" if activity.link is None else f"#{activity.link.position}"


@admin.register(MessageLink)
class MessageLinkAdmin(ReadOnlyModelAdmin):
    list_display = ["message", "position", "url", "click_count"]
    list_select_related = ["message"]
    search_fields = ["=message__id", "url"]
    raw_id_fields = ["message"]

    def get_queryset(self, request):
        # Scanner clicks are kept but not counted, here as everywhere.
        return (
            super()
            .get_queryset(request)
            .annotate(counted_clicks=Count("clicks", filter=Q(clicks__is_scanner=False)))
        )

    @admin.display(description=_("clicks"), ordering="counted_clicks")
    def click_count(self, link):
        return link.counted_clicks


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyModelAdmin):
    list_display = [
        "placed_at",
        "order",
        "order_channel",
        "total_amount",
        "currency",
        "channel",
        "message",
        "clicked_at",
    ]
    list_filter = ["channel", "order_channel"]
    list_select_related = ["order", "message"]
    date_hierarchy = "placed_at"
    search_fields = ["order__number", "=message__id"]
    raw_id_fields = ["order", "message", "click"]


@admin.register(ConsumerCursor)
class ConsumerCursorAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "position", "updated_at"]


# --- The staff call list -----------------------------------------------------------------


@admin.register(CallListCustomer)
class CallListAdmin(ReadOnlyModelAdmin):
    """Customers no message can reach: a phone that may be called, and nothing else."""

    list_display = ["full_name", "phones", "created_at", "customer_page"]
    search_fields = ["full_name"]

    def get_queryset(self, request):
        return call_list()

    @admin.display(description=_("phone"))
    def phones(self, customer):
        # contact_points are prefetched by the selector: no query per row.
        return ", ".join(
            point.value
            for point in customer.contact_points.all()
            if point.kind == ContactPoint.Kind.PHONE
        )

    @admin.display(description=_("profile"))
    def customer_page(self, customer):
        url = reverse("admin:customers_customer_change", args=[customer.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the profile"))
