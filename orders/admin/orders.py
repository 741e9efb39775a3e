"""Staff screens for orders of every channel: read-only pages, status moves through services."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import LargeTableAdminMixin, ReadOnlyModelAdmin, action_permission
from config.api.errors import DomainError
from config.templatetags.money import money
from customers.contacts import contact_masked
from customers.models import ContactPoint
from customers.selectors import timeline
from inventory.admin_scoping import StoreScopedAdminMixin
from orders.admin.order_inlines import OrderLineInline, PaymentInline, ReturnInline
from orders.admin.order_search import (
    DiscrepancyListFilter,
    StoreListFilter,
    order_search_condition,
    order_store_condition,
)
from orders.exceptions import OrderTransitionInvalid
from orders.models import Fulfilment, Order, VoucherRedemption
from orders.services import (
    order_cancel,
    order_complete,
    order_confirm,
    order_ready_for_pickup,
    order_ship,
)


@admin.register(Order)
class OrderAdmin(LargeTableAdminMixin, StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """Orders of the web store, the marketplaces and the tills, side by side.

    Orders are written by the order services only (placing, status changes, returns):
    this page reads them. Nothing here can add, change or delete an order.
    """

    list_display = [
        "number",
        "placed_at",
        "channel",
        "location",
        "status",
        "fulfilment",
        "customer",
        "total_amount",
        "currency",
        "sold_offline",
        "late_sync",
    ]
    list_filter = [
        "channel",
        ("location", StoreListFilter),
        "status",
        "fulfilment",
        "placed_at",
        "sold_offline",
        "late_sync",
        DiscrepancyListFilter,
    ]
    list_select_related = ["channel", "location", "customer"]
    search_fields = ["number"]  # the whole search is get_search_results
    search_help_text = gettext_lazy(
        "Order number, marketplace reference, customer name, email or phone in any format "
        "(0909 908 089, +84…)."
    )
    show_full_result_count = False  # orders pile up; counting all of them on each page is slow
    inlines = [OrderLineInline, PaymentInline, ReturnInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "channel",
                    "location",
                    "status",
                    "fulfilment",
                    "placed_at",
                    "received_at",
                    "completed_at",
                    "cancelled_at",
                ]
            },
        ),
        (
            gettext_lazy("Customer"),
            {
                "fields": [
                    "customer_timeline",
                    "order_events",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "shipping_address",
                    "note",
                ]
            },
        ),
        (
            gettext_lazy("Amounts"),
            {
                "fields": [
                    "currency",
                    "subtotal_amount",
                    "discount_amount",
                    "voucher",
                    "points_redeemed",
                    "shipping_amount",
                    "total_amount",
                ]
            },
        ),
        (
            gettext_lazy("Till and channel"),
            {
                "fields": [
                    "terminal",
                    "shift",
                    "cashier",
                    "sold_offline",
                    "late_sync",
                    "client_uuid",
                    "external_ref",
                    "stock_reference",
                ]
            },
        ),
    ]
    readonly_fields = [
        *(field for _title, options in fieldsets for field in options["fields"]),
        "masked_contact_phone",
        "masked_contact_email",
        "masked_shipping_address",
    ]
    # Shown masked to staff without customers.unmask_customer (cashiers), as on the customer
    # page: the order's copy of the shopper's contacts is the same personal data.
    MASKED = {
        "contact_phone": "masked_contact_phone",
        "contact_email": "masked_contact_email",
        "shipping_address": "masked_shipping_address",
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm("customers.unmask_customer"):
            return fieldsets
        return [
            (title, {**options, "fields": [self.MASKED.get(f, f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=gettext_lazy("Contact phone"))
    def masked_contact_phone(self, order):
        return (
            contact_masked(ContactPoint.Kind.PHONE, order.contact_phone)
            if order.contact_phone
            else "—"
        )

    @admin.display(description=gettext_lazy("Contact email"))
    def masked_contact_email(self, order):
        return (
            contact_masked(ContactPoint.Kind.EMAIL, order.contact_email)
            if order.contact_email
            else "—"
        )

    @admin.display(description=gettext_lazy("Shipping address"))
    def masked_shipping_address(self, order):
        address = dict(order.shipping_address or {})
        if address.get("phone"):
            address["phone"] = contact_masked(ContactPoint.Kind.PHONE, str(address["phone"]))
        return ", ".join(str(value) for value in address.values() if value) or "—"

    actions = [
        "confirm_payment",
        "mark_ready_for_pickup",
        "ship",
        "mark_delivered",
        "cancel",
    ]

    def store_condition(self, location_ids):
        return order_store_condition(location_ids)

    # Moving orders along (the actions) is a named permission; the page stays read-only.
    has_fulfil_permission = action_permission("orders.fulfil_order")

    def _move_each(self, request, queryset, move, done_message):
        """Run one status move per order through its service; report each refusal by number."""
        moved = 0
        for order in queryset.select_related("customer", "channel", "location"):
            try:
                move(order)
            except DomainError as error:
                self.message_user(request, f"{order.number}: {error.detail}", level=messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, done_message % {"count": moved}, level=messages.SUCCESS)

    @admin.action(description=gettext_lazy("Payment received: confirm"), permissions=["fulfil"])
    def confirm_payment(self, request, queryset):
        self._move_each(
            request, queryset, lambda order: order_confirm(order=order),
            _("%(count)d order(s) confirmed."),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Packed: ready for pick-up"), permissions=["fulfil"])
    def mark_ready_for_pickup(self, request, queryset):
        self._move_each(
            request, queryset, lambda order: order_ready_for_pickup(order=order),
            _("%(count)d order(s) ready for pick-up; the shopper's code is on the order."),
        )  # fmt: skip

    @admin.action(
        description=gettext_lazy("Handed to the courier: shipped"), permissions=["fulfil"]
    )
    def ship(self, request, queryset):
        self._move_each(
            request, queryset, lambda order: order_ship(order=order, actor=request.user),
            _("%(count)d order(s) shipped."),
        )  # fmt: skip

    @admin.action(description=gettext_lazy("Delivered: complete"), permissions=["fulfil"])
    def mark_delivered(self, request, queryset):
        def deliver(order):
            if order.fulfilment == Fulfilment.PICKUP:
                raise OrderTransitionInvalid(
                    _("a pick-up is handed over at the store's till, with the shopper's code.")
                )
            return order_complete(order=order)

        self._move_each(
            request, queryset, deliver,
            _("%(count)d order(s) completed."),
        )  # fmt: skip

    @admin.action(
        description=gettext_lazy("Cancel (stock, voucher and points go back)"),
        permissions=["fulfil"],
    )
    def cancel(self, request, queryset):
        self._move_each(
            request, queryset,
            lambda order: order_cancel(order=order, reason=f"admin:{request.user.pk}"),
            _("%(count)d order(s) cancelled."),
        )  # fmt: skip

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        return queryset.filter(order_search_condition(term)), False

    @admin.display(description=gettext_lazy("Customer"))
    def customer_timeline(self, order):
        if order.customer_id is None:
            return _("Guest (no profile)")
        url = reverse("admin:customers_customer_change", args=[order.customer_id])
        return format_html(
            '{} — <a href="{}">{}</a>', order.customer, url, _("profile and timeline")
        )

    @admin.display(description=gettext_lazy("This order on the timeline"))
    def order_events(self, order):
        if order.customer_id is None:
            return "—"
        events = timeline(customer=order.customer).filter(payload__order_id=order.pk)
        return format_html_join(
            mark_safe("<br>"),
            "{} — {}{}",
            (
                (
                    date_format(timezone.localtime(event.occurred_at), "DATETIME_FORMAT"),
                    event.get_kind_display(),
                    f" ({event.location})" if event.location_id else "",
                )
                for event in events
            ),
        ) or _("Nothing recorded yet.")

    @admin.display(description=gettext_lazy("Voucher"))
    def voucher(self, order):
        redemption = (
            VoucherRedemption.objects.select_related("voucher", "voucher_code")
            .filter(order=order)
            .first()
        )
        if redemption is None:
            return order.voucher_code or "—"
        url = reverse("admin:orders_voucher_change", args=[redemption.voucher_id])
        return format_html(
            '<a href="{}">{}</a> ({}): −{}',
            url,
            redemption.voucher,
            redemption.voucher_code or redemption.voucher.code or "",
            money(redemption.discount_amount),
        )
