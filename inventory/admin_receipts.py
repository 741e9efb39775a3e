"""Staff screens for goods receipts and suppliers, and the Receive page of the stock list.

A warehouse clerk (or the store's manager) scans or types each line's SKU or barcode,
its quantity and unit cost, picks the supplier and one of their own locations, and posts
the whole delivery at once through :func:`inventory.services.goods_receipt_post`. The page
is a plain form (a formset of lines) that works without JavaScript; ``receipt-scan.js``
only makes a scanner's Enter move to the next field instead of submitting.
"""

import phonenumbers
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from config.admin import ModelAdmin, ReadOnlyInline, ReadOnlyModelAdmin
from config.api.errors import DomainError
from config.forms import form_errors_add
from config.templatetags.contact import phone as phone_national
from config.templatetags.money import money
from inventory.admin_scoping import StoreScopedAdminMixin, scoped_location_choices
from inventory.admin_search import folded_search_results
from inventory.models import GoodsReceipt, GoodsReceiptLine, Location, StockLevel, Supplier
from inventory.receipt_forms import (
    LINES_MAX,
    LINES_PREFIX,
    LINES_SHOWN,
    ReceiptForm,
    ReceiptLineFormSet,
)
from inventory.services import ReceiptLine, goods_receipt_post

RECEIVE_PERMISSION = "inventory.add_goodsreceipt"


def may_receive(request) -> bool:
    return request.user.has_perm(RECEIVE_PERMISSION)


def receive_url(location_id=None) -> str:
    url = reverse("admin:inventory_stocklevel_receive")
    return f"{url}?location={location_id}" if location_id else url


def _phone_e164(text: str) -> str:
    """A typed Vietnamese phone (0212 385 1234) as suppliers keep it, or ""."""
    try:
        number = phonenumbers.parse((text or "").strip(), "VN")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@admin.register(Supplier)
class SupplierAdmin(ModelAdmin):
    list_display = ["name", "phone_display", "tax_code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "tax_code", "phone"]
    fields = ["name", "phone", "tax_code", "is_active"]

    @admin.display(description=pgettext_lazy("goods receipt", "phone"), ordering="phone")
    def phone_display(self, supplier):
        return phone_national(supplier.phone)

    def get_search_results(self, request, queryset, search_term):
        # "tay bac" finds "HTX Tây Bắc"; a tax code as typed; a phone in any format.
        found, duplicates = folded_search_results(
            queryset, search_term, folded=("search_name",), words=("tax_code", "phone")
        )
        phone = _phone_e164(search_term)
        if phone:
            found = found | queryset.filter(phone=phone)
        return found, duplicates


class GoodsReceiptLineInline(ReadOnlyInline):
    model = GoodsReceiptLine
    fields = ["variant", "quantity", "unit_cost", "line_total"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    @admin.display(description=gettext_lazy("unit cost"))
    def unit_cost(self, line):
        return money(line.unit_cost_amount)

    @admin.display(description=gettext_lazy("line total"))
    def line_total(self, line):
        return money(line.unit_cost_amount * line.quantity)


def _line_errors_add(form, filled, error: DomainError) -> None:
    """The service's refusal on the page: ``lines.<n>.<field>`` on the n-th filled line,
    the rest on the delivery's form."""
    others = {}
    for name, problems in (error.fields or {}).items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            line_form = filled[int(parts[1])]
            for problem in problems:
                line_form.add_error(parts[2] if parts[2] in line_form.fields else None, problem)
        else:
            others[name] = problems
    if others or not error.fields:
        error.fields = others
        form_errors_add(form, error)


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(StoreScopedAdminMixin, ReadOnlyModelAdmin):
    """Deliveries received: read here, written by the Receive page (one movement per line)."""

    change_list_template = "admin/inventory/goodsreceipt/change_list.html"
    list_display = [
        "__str__",
        "received_at",
        "location",
        "supplier",
        "supplier_reference",
        "total_cost",
        "received_by",
    ]
    list_filter = ["location", "supplier"]
    list_select_related = ["location", "supplier", "received_by"]
    search_fields = ["supplier_reference", "supplier__name", "note"]
    date_hierarchy = "received_at"
    fields = [
        "location",
        "supplier",
        "supplier_reference",
        "note",
        "received_by",
        "received_at",
        "total_cost",
    ]
    readonly_fields = fields
    inlines = [GoodsReceiptLineInline]

    @admin.display(description=gettext_lazy("total cost"), ordering="total_cost_amount")
    def total_cost(self, receipt):
        return money(receipt.total_cost_amount)

    def changelist_view(self, request, extra_context=None):
        extra = {"receive_url": receive_url() if may_receive(request) else None}
        return super().changelist_view(request, {**extra, **(extra_context or {})})


def goods_receipt_page(model_admin, request):
    """The Receive page (the stock list's ``receive/``, ``admin:inventory_stocklevel_receive``).

    GET shows it (``?location=`` one of the staff member's locations; another's is a 404);
    POST posts the delivery, or shows what is wrong on its lines and writes nothing."""
    if not may_receive(request):
        raise PermissionDenied
    locations = scoped_location_choices(request, Location.objects.filter(is_active=True))
    show_errors = request.method == "POST"
    if request.method == "POST":
        data = request.POST
        if "more_lines" in data:
            # Without JavaScript, more lines are one more round trip, keeping what was typed.
            data = data.copy()
            total = data.get(f"{LINES_PREFIX}-TOTAL_FORMS", "0")
            shown = int(total) if total.isdigit() else 0
            data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(min(shown + LINES_SHOWN, LINES_MAX))
            show_errors = False
        form = ReceiptForm(data)
        formset = ReceiptLineFormSet(data, prefix=LINES_PREFIX)
    else:
        form = ReceiptForm(initial={"location": _location_asked(request, locations)})
        formset = ReceiptLineFormSet(prefix=LINES_PREFIX)
    form.fields["location"].queryset = locations
    if show_errors and form.is_valid() and formset.is_valid():
        receipt = _post(model_admin, request, form, formset)
        if receipt is not None:
            return HttpResponseRedirect(
                reverse("admin:inventory_stocklevel_changelist")
                + f"?location__id__exact={receipt.location_id}"
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Receive goods"),
        "form": form,
        "formset": formset,
        "show_errors": show_errors,
        "opts": StockLevel._meta,
    }
    return TemplateResponse(request, "admin/inventory/receipt_form.html", context)


def _location_asked(request, locations):
    wanted = request.GET.get("location")
    if wanted:
        # Another store's location is answered as one that does not exist.
        location = locations.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        if location is None:
            raise Http404
        return location
    only = list(locations[:2])
    return only[0] if len(only) == 1 else None


def _post(model_admin, request, form, formset):
    filled = formset.filled_forms()
    data = form.cleaned_data
    try:
        receipt = goods_receipt_post(
            location=data["location"],
            supplier=data["supplier"],
            supplier_reference=data["supplier_reference"],
            note=data["note"],
            lines=[
                ReceiptLine(
                    code=line.cleaned_data["code"],
                    quantity=line.cleaned_data["quantity"],
                    unit_cost_amount=line.cleaned_data["unit_cost_amount"],
                )
                for line in filled
            ],
            actor=request.user,
        )
    except DomainError as error:
        _line_errors_add(form, filled, error)
        return None
    units = sum(line.cleaned_data["quantity"] for line in filled)
    model_admin.message_user(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("Received at %(location)s: %(lines)d line(s), %(units)d unit(s).")
            % {"location": receipt.location, "lines": len(filled), "units": units},
            reverse("admin:inventory_goodsreceipt_change", args=[receipt.pk]),
            receipt,
        ),
    )
    return receipt
