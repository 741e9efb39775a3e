"""The stock's records, read-only: movements, reservations, discrepancies and transfers
(their actions call the inventory services).
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import LargeTableAdminMixin, ReadOnlyInline, ReadOnlyModelAdmin, action_permission
from config.api.errors import DomainError
from inventory.admin_scoping import StoreScopedAdminMixin
from inventory.models import (
    Reservation,
    StockDiscrepancy,
    StockMovement,
    StockTransfer,
    StockTransferLine,
)
from inventory.selectors import staff_location_ids
from inventory.services import (
    reservation_release,
    stock_discrepancy_resolve,
    stock_transfer_receive,
)


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
