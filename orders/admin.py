import csv
import itertools

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.api.errors import DomainError
from customers.contacts import search_term_contact
from customers.models import ContactPoint
from customers.selectors import customer_search, timeline
from inventory.models import Location, StockDiscrepancy
from orders.exceptions import OrderTransitionInvalid, VoucherCodesRequestInvalid
from orders.models import (
    Order,
    OrderLine,
    Payment,
    Return,
    ReturnLine,
    Shift,
    ShiftCashMovement,
    Terminal,
    Voucher,
    VoucherCode,
    VoucherRedemption,
)
from orders.services import (
    order_cancel,
    order_complete,
    order_confirm,
    order_ready_for_pickup,
    order_ship,
    terminal_create,
    terminal_revoke,
    terminal_token_rotate,
    voucher_code_normalize,
    voucher_codes_generate,
)
from orders.services.vouchers import CODES_MAX_COUNT


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
        description=_("Rotate the token (the old one stops working)"), permissions=["change"]
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
        description=_("Revoke (the terminal can no longer call the API)"), permissions=["change"]
    )
    def revoke(self, request, queryset):
        for terminal in queryset:
            terminal_revoke(terminal=terminal)
        self.message_user(
            request, _("%(count)d terminal(s) revoked.") % {"count": queryset.count()}
        )


class ShiftCashMovementInline(admin.TabularInline):
    model = ShiftCashMovement
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "amount", "reason", "reference"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Difference (counted − expected)"))
    def difference(self, shift):
        return shift.difference_amount


# --- Orders of every channel --------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """Rows written by the order services; staff read them on the order page."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "sku",
        "name",
        "quantity",
        "unit_price_amount",
        "discount_amount",
        "total_amount",
        "returned_quantity",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "created_at",
        "kind",
        "method",
        "status",
        "amount",
        "tendered_amount",
        "change_amount",
        "provider_reference",
    ]
    readonly_fields = fields


class ReturnInline(ReadOnlyInline):
    model = Return
    fields = [
        "created_at",
        "location",
        "returned_lines",
        "reason",
        "refund_method",
        "refund_amount",
        "points_reversed",
        "terminal",
        "created_by",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("location", "terminal__location", "created_by")
            .prefetch_related(
                Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line"))
            )
        )

    @admin.display(description=gettext_lazy("Lines"))
    def returned_lines(self, return_record):
        return ", ".join(str(line) for line in return_record.lines.all())


class DiscrepancyListFilter(admin.SimpleListFilter):
    """Orders whose sale drove a shelf below what it held (offline sales replayed late)."""

    title = gettext_lazy("stock discrepancy")
    parameter_name = "discrepancy"

    def lookups(self, request, model_admin):
        return [("open", gettext_lazy("Unresolved")), ("any", gettext_lazy("Any"))]

    def queryset(self, request, queryset):
        if self.value() not in {"open", "any"}:
            return queryset
        discrepancies = StockDiscrepancy.objects.filter(reference=OuterRef("stock_reference"))
        if self.value() == "open":
            discrepancies = discrepancies.filter(resolved_at__isnull=True)
        return queryset.filter(Exists(discrepancies))


class StoreListFilter(admin.RelatedFieldListFilter):
    """The stores (a POS sale's or a pick-up's), without scanning the orders to find them."""

    def field_choices(self, field, request, model_admin):
        return [
            (location.pk, str(location))
            for location in Location.objects.filter(kind=Location.Kind.STORE).order_by("name")
        ]


def order_search_condition(term: str) -> Q:
    """Orders matching a number, marketplace reference, contact or customer typed any way.

    Phones and emails are normalised the way customers are (``0909 908 089`` finds
    ``+84909908089``); the customer part reuses the customer admin's search.
    """
    condition = (
        Q(number__icontains=term)
        | Q(external_ref__icontains=term)
        | Q(contact_name__icontains=term)
        | Q(customer__in=customer_search(term=term).values("pk"))
    )
    contact = search_term_contact(term)
    if contact is None:
        return condition | Q(contact_email__icontains=term)
    kind, value = contact
    if kind == ContactPoint.Kind.EMAIL:
        return condition | Q(contact_email__iexact=value)
    return condition | Q(contact_phone__in={value, term})


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
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
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]

    actions = [
        "confirm_payment",
        "mark_ready_for_pickup",
        "ship",
        "mark_delivered",
        "cancel",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_fulfil_permission(self, request):
        """Moving orders along (the actions) needs change rights; the page stays read-only."""
        return request.user.has_perm("orders.change_order")

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
            if order.fulfilment == "pickup":
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
            redemption.discount_amount,
        )


# --- Vouchers --------------------------------------------------------------------------------

VOUCHER_CODES_SHOWN = 50


def _codes_count(codes):
    """A per-voucher count of ``codes`` as a subquery (a join would multiply with filters)."""
    counted = (
        codes.filter(voucher=OuterRef("pk"))
        .order_by()
        .values("voucher")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


class VoucherAdminForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = [
            "name",
            "code",
            "is_active",
            "channels",
            "kind",
            "value",
            "max_discount_amount",
            "min_order_amount",
            "starts_at",
            "ends_at",
            "usage_limit",
            "per_customer_limit",
        ]

    def clean_code(self):
        # Shoppers type codes in any case; they are stored upper-case and matched that way.
        code = voucher_code_normalize(self.cleaned_data.get("code") or "")
        if not code:
            return None
        if VoucherCode.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("%(code)s is already a single-use code of a voucher.") % {"code": code}
            )
        return code

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The end must come after the start."))
        value = cleaned.get("value")
        if cleaned.get("kind") == Voucher.Kind.PERCENTAGE and value is not None and value > 100:
            self.add_error("value", _("A percentage is at most 100."))
        return cleaned


class VoucherCodeInlineFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # A batch can hold 100,000 codes: the page shows the first ones, the list has them all.
        return super().get_queryset()[:VOUCHER_CODES_SHOWN]


class VoucherCodeInline(ReadOnlyInline):
    model = VoucherCode
    formset = VoucherCodeInlineFormSet
    fields = ["code", "used_at"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("Single-use codes (the first 50)")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("code")


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("How many codes"), min_value=1, max_value=CODES_MAX_COUNT
    )
    prefix = forms.CharField(
        label=gettext_lazy("Prefix"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Optional, e.g. TET-: letters, digits and dashes."),
    )


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    form = VoucherAdminForm
    list_display = [
        "name",
        "code",
        "kind",
        "value",
        "min_order_amount",
        "usage",
        "single_use_codes",
        "valid_channels",
        "starts_at",
        "ends_at",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "kind",
        ("code", admin.EmptyFieldListFilter),
        "channels",
        "starts_at",
        "ends_at",
    ]
    search_fields = ["name"]  # with the codes: see get_search_results
    search_help_text = gettext_lazy("Name, shared code or one of its single-use codes.")
    filter_horizontal = ["channels"]
    readonly_fields = ["used_count", "created_at", "all_codes"]
    fieldsets = [
        (None, {"fields": ["name", "code", "is_active", "channels"]}),
        (
            gettext_lazy("Discount"),
            {"fields": ["kind", "value", "max_discount_amount", "min_order_amount"]},
        ),
        (gettext_lazy("Validity"), {"fields": ["starts_at", "ends_at"]}),
        (
            gettext_lazy("Usage"),
            {
                "fields": [
                    "usage_limit",
                    "per_customer_limit",
                    "used_count",
                    "all_codes",
                    "created_at",
                ]
            },
        ),
    ]
    inlines = [VoucherCodeInline]
    actions = ["generate_codes", "export_unused_codes"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                codes_count=_codes_count(VoucherCode.objects.all()),
                codes_used_count=_codes_count(VoucherCode.objects.filter(used_at__isnull=False)),
            )
            .prefetch_related("channels")
        )

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        code = voucher_code_normalize(term)
        by_single_use_code = VoucherCode.objects.filter(code=code).values("voucher_id")
        return (
            queryset.filter(Q(name__icontains=term) | Q(code=code) | Q(pk__in=by_single_use_code)),
            False,
        )

    @admin.display(description=gettext_lazy("Used / limit"))
    def usage(self, voucher):
        limit = voucher.usage_limit if voucher.usage_limit is not None else "∞"
        return f"{voucher.used_count} / {limit}"

    @admin.display(description=gettext_lazy("Single-use codes (used / all)"))
    def single_use_codes(self, voucher):
        if not voucher.codes_count:
            return "—"
        return f"{voucher.codes_used_count} / {voucher.codes_count}"

    @admin.display(description=gettext_lazy("Channels"))
    def valid_channels(self, voucher):
        return ", ".join(str(channel) for channel in voucher.channels.all()) or _("Every channel")

    @admin.display(description=gettext_lazy("All single-use codes"))
    def all_codes(self, voucher):
        if voucher.pk is None:
            return "—"
        url = reverse("admin:orders_vouchercode_changelist")
        return format_html(
            '<a href="{}?voucher__id__exact={}">{}</a>',
            url,
            voucher.pk,
            _("%(used)d used of %(count)d — see them all")
            % {"used": voucher.codes_used_count, "count": voucher.codes_count},
        )

    @admin.action(
        description=gettext_lazy("Generate single-use codes for the selected voucher"),
        permissions=["change"],
    )
    def generate_codes(self, request, queryset):
        vouchers = list(queryset[:2])
        if len(vouchers) != 1:
            self.message_user(
                request, _("Select exactly one voucher to generate codes for."), messages.ERROR
            )
            return None
        voucher = vouchers[0]
        form = GenerateCodesForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                codes = voucher_codes_generate(
                    voucher=voucher,
                    count=form.cleaned_data["count"],
                    prefix=form.cleaned_data["prefix"],
                )
            except VoucherCodesRequestInvalid as error:
                for field, errors in error.fields.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
                if not error.fields:
                    form.add_error(None, error.detail)
            else:
                self.message_user(
                    request,
                    _("%(count)d single-use codes generated for %(voucher)s.")
                    % {"count": len(codes), "voucher": voucher},
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Generate single-use codes for %(voucher)s") % {"voucher": voucher},
            "voucher": voucher,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/voucher/generate_codes.html", context)

    @admin.action(description=gettext_lazy("Export the unused single-use codes (CSV)"))
    def export_unused_codes(self, request, queryset):
        codes = (
            VoucherCode.objects.filter(voucher__in=queryset, used_at__isnull=True)
            .order_by("voucher_id", "code")
            .values_list("voucher__name", "code")
        )
        writer = csv.writer(Echo())
        rows = itertools.chain([(_("Voucher"), _("Code"))], codes.iterator(chunk_size=2000))
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="voucher-codes.csv"'
        return response


class Echo:
    """A file-like object whose write returns the line: csv.writer rows, streamed."""

    def write(self, value):
        return value


@admin.register(VoucherCode)
class VoucherCodeAdmin(admin.ModelAdmin):
    """Every single-use code, paged; generated by the voucher's action, spent by checkouts."""

    list_display = ["code", "voucher", "used_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter), "voucher"]
    list_select_related = ["voucher"]
    search_fields = ["=code"]
    readonly_fields = ["voucher", "code", "used_at"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, voucher_code_normalize(search_term))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "voucher", "voucher_code", "order", "customer", "discount_amount"]
    list_filter = ["voucher"]
    list_select_related = ["voucher", "voucher_code", "order", "customer"]
    search_fields = ["=order__number", "=voucher_code__code"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
