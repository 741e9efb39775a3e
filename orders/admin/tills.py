"""Staff screens for POS terminals and shifts."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ReadOnlyInline, ReadOnlyModelAdmin, action_permission
from orders.models import (
    PriceDiscrepancy,
    Shift,
    ShiftCashMovement,
    Terminal,
)
from orders.services import (
    terminal_create,
    terminal_revoke,
    terminal_token_rotate,
)
from orders.services.offline import price_discrepancy_resolve


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "token_prefix", "last_seen_at", "revoked_at"]
    list_filter = ["location", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "location__name"]
    readonly_fields = ["token_prefix", "created_at", "last_seen_at", "revoked_at"]
    actions = ["rotate_token", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        # The store of an existing terminal is fixed: its sales and shifts belong there.
        return [*self.readonly_fields, "location"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        terminal, token = terminal_create(location=obj.location, name=obj.name)
        obj.pk = terminal.pk
        self.message_user(
            request,
            _("Terminal created. Its token, shown only this once: %(token)s") % {"token": token},
            messages.WARNING,
        )

    @admin.action(
        description=gettext_lazy("Rotate the token (the old one stops working)"),
        permissions=["change"],
    )
    def rotate_token(self, request, queryset):
        for terminal in queryset:
            token = terminal_token_rotate(terminal=terminal)
            self.message_user(
                request,
                _("New token for %(terminal)s, shown only this once: %(token)s")
                % {"terminal": terminal, "token": token},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy("Revoke (the terminal can no longer call the API)"),
        permissions=["change"],
    )
    def revoke(self, request, queryset):
        for terminal in queryset:
            terminal_revoke(terminal=terminal)
        self.message_user(
            request, _("%(count)d terminal(s) revoked.") % {"count": queryset.count()}
        )


class ShiftCashMovementInline(ReadOnlyInline):
    model = ShiftCashMovement
    fields = ["created_at", "kind", "amount", "reason", "reference"]
    readonly_fields = fields


@admin.register(Shift)
class ShiftAdmin(ReadOnlyModelAdmin):
    """Shifts are written by the tills; staff read them and look at the differences."""

    list_display = [
        "opened_at",
        "terminal",
        "cashier",
        "closed_at",
        "expected_amount",
        "counted_amount",
        "difference",
    ]
    list_filter = ["terminal__location", ("closed_at", admin.EmptyFieldListFilter), "opened_at"]
    search_fields = ["cashier__username", "cashier__first_name", "cashier__last_name"]
    date_hierarchy = "opened_at"
    list_select_related = ["terminal__location", "cashier"]
    inlines = [ShiftCashMovementInline]
    readonly_fields = [
        "terminal",
        "cashier",
        "client_uuid",
        "currency",
        "opened_at",
        "closed_at",
        "expected_amount",
        "counted_amount",
        "difference",
        "closing_note",
    ]
    fields = readonly_fields

    @admin.display(description=gettext_lazy("Difference (counted − expected)"))
    def difference(self, shift):
        return shift.difference_amount


# --- Orders of every channel --------------------------------------------------------------


@admin.register(PriceDiscrepancy)
class PriceDiscrepancyAdmin(ReadOnlyModelAdmin):
    """Offline sales charged otherwise than the catalog: the manager looks, then resolves
    (the customer earns the sale's points once its last discrepancy is resolved)."""

    list_display = [
        "created_at", "order", "sku", "reason", "quantity", "charged_amount", "catalog_amount",
        "resolved_at", "resolved_by",
    ]  # fmt: skip
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "reason", "order__location"]
    search_fields = ["order__number", "sku"]
    list_select_related = ["order__channel", "resolved_by"]
    actions = ["resolve"]

    has_resolve_permission = action_permission("orders.change_pricediscrepancy")

    @admin.action(description=gettext_lazy("Mark resolved"), permissions=["resolve"])
    def resolve(self, request, queryset):
        for discrepancy in queryset.filter(resolved_at__isnull=True):
            price_discrepancy_resolve(discrepancy=discrepancy, actor=request.user)
        self.message_user(request, _("Resolved."))
