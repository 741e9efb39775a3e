"""Staff screens for POS terminals and shifts."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyInline, ReadOnlyModelAdmin, action_permission
from inventory.admin_scoping import StoreScopedAdminMixin
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
class TerminalAdmin(StoreScopedAdminMixin, ModelAdmin):
    """A store manager makes and revokes terminals of their own stores only (the location
    choices and the list are scoped)."""

    list_display = ["name", "location", "token_prefix", "last_seen_at", "revoked_at"]
    list_filter = ["location", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "location__name"]
    readonly_fields = ["token_prefix", "created_at", "last_seen_at", "revoked_at"]
    actions = ["rotate_token", "revoke"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "location":
            # terminal_create refuses a closed store: not offered, so never a 500.
            field.queryset = field.queryset.filter(is_active=True)
        return field

    def get_readonly_fields(self, request, obj=None):
        # The store of an existing terminal is fixed: its sales and shifts belong there.
        return [*self.readonly_fields, "location"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        terminal, token = terminal_create(location=obj.location, name=obj.name)
        obj.pk = terminal.pk
        obj.new_token = token  # for response_add, on this request's object only

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(obj, "new_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self._tokens_page(request, _("Terminal created"), [(obj, token)])

    def _tokens_page(self, request, title, tokens):
        """New tokens on a page of their own, once: never in ``messages``, which may be
        stored in a cookie (admin pages are never cached)."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "tokens": tokens,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/terminal/tokens.html", context)

    @admin.action(
        description=gettext_lazy("Rotate the token (the old one stops working)"),
        permissions=["change"],
    )
    def rotate_token(self, request, queryset):
        tokens = [
            (terminal, terminal_token_rotate(terminal=terminal))
            for terminal in queryset.select_related("location")
        ]
        return self._tokens_page(request, _("New terminal tokens"), tokens)

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
class ShiftAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """Shifts are written by the tills; staff read them and look at the differences."""

    store_fields = ("terminal__location",)

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
class PriceDiscrepancyAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """Offline sales charged otherwise than the catalog: the manager looks, then resolves
    (the customer earns the sale's points once its last discrepancy is resolved)."""

    store_fields = ("order__location",)

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
