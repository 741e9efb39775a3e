"""Staff screens for vouchers, their single-use codes and redemptions."""

import csv
import itertools

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyInline, ReadOnlyModelAdmin
from config.forms import form_errors_add
from config.spreadsheets import spreadsheet_row
from inventory.admin_scoping import StoreScopedAdminMixin
from orders.admin.orders import order_store_condition
from orders.exceptions import VoucherCodesRequestInvalid
from orders.models import (
    Voucher,
    VoucherCode,
    VoucherRedemption,
)
from orders.services import (
    voucher_code_normalize,
    voucher_codes_generate,
)
from orders.services.vouchers import CODES_MAX_COUNT

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
            "first_order_only",
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
class VoucherAdmin(ModelAdmin):
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
        (gettext_lazy("Validity"), {"fields": ["starts_at", "ends_at", "first_order_only"]}),
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
                form_errors_add(form, error)
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

    @admin.action(
        description=gettext_lazy("Export the unused single-use codes (CSV)"),
        permissions=["change"],
    )
    def export_unused_codes(self, request, queryset):
        codes = (
            VoucherCode.objects.filter(voucher__in=queryset, used_at__isnull=True)
            .order_by("voucher_id", "code")
            .values_list("voucher__name", "code")
        )
        writer = csv.writer(Echo())
        rows = itertools.chain([(_("Voucher"), _("Code"))], codes.iterator(chunk_size=2000))
        response = StreamingHttpResponse(
            (writer.writerow(spreadsheet_row(row)) for row in rows),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="voucher-codes.csv"'
        return response


class Echo:
    """A file-like object whose write returns the line: csv.writer rows, streamed."""

    def write(self, value):
        return value


@admin.register(VoucherCode)
class VoucherCodeAdmin(ReadOnlyModelAdmin):
    """Every single-use code, paged; generated by the voucher's action, spent by checkouts."""

    list_display = ["code", "voucher", "customer", "used_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter), "voucher"]
    list_select_related = ["voucher", "customer"]
    search_fields = ["=code"]
    readonly_fields = ["voucher", "code", "customer", "used_at"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, voucher_code_normalize(search_term))


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """Vouchers are shared; who spent one on which order follows the order's store."""

    list_display = ["created_at", "voucher", "voucher_code", "order", "customer", "discount_amount"]
    list_filter = ["voucher"]
    list_select_related = ["voucher", "voucher_code", "order", "customer"]
    search_fields = ["=order__number", "=voucher_code__code"]
    readonly_fields = list_display

    def store_condition(self, location_ids):
        return order_store_condition(location_ids, prefix="order__")
