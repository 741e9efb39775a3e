"""The "Đơn qua điện thoại" screen: staff take an order on the phone (or in a chat).

Staff who may add orders (``orders.add_order``) type the customer's phone and name, the
lines by SKU, delivery or pick-up, cash on delivery or bank transfer and an optional
voucher; :func:`orders.services.phone.phone_order_place` does the rest, the way the web's
checkout does. A refusal ("only 2 left", an unknown SKU, a voucher that does not apply) is
shown on the form, which keeps what was typed; nothing is written then.

Each form carries a one-time id (signed for the staff member, so nobody can post another
form's or order's id): the order is filed under it, and the same form sent twice (a double
click, a browser's resubmit) lands on the order the first one placed.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.api.errors import DomainError
from config.forms import PhoneInput, form_errors_add
from inventory.admin_scoping import scoped_location_choices
from inventory.models import Location
from orders.models import Fulfilment, Order, Payment
from orders.services.phone import PhoneLine, phone_order_place_once

PHONE_ORDER_PERMISSION = "orders.add_order"
STALE_FORM = gettext_lazy("This form is out of date: reload the page and enter the order again.")


def _submission_signer(user) -> signing.Signer:
    return signing.Signer(salt=f"orders.phone_order:{user.pk}")


def submission_token_issue(user) -> str:
    """A fresh one-time id for a phone order form, signed for ``user``."""
    return _submission_signer(user).sign(uuid.uuid4().hex)


class PhoneOrderForm(forms.Form):
    ALIASES = {
        "contact_phone": "phone",
        "shipping_address": "line1",
        "quantity": "lines",
        "total_amount": "lines",
        "payment_method": "payment_method",
    }

    phone = forms.CharField(label=gettext_lazy("Customer's phone"), widget=PhoneInput)
    full_name = forms.CharField(label=gettext_lazy("Customer's name"), max_length=200)
    lines = forms.CharField(
        label=gettext_lazy("Lines"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One product a line: its SKU, a space, the quantity (TT-1KG 2)."),
    )
    fulfilment = forms.ChoiceField(
        label=gettext_lazy("Delivery or pick-up"),
        choices=[
            (Fulfilment.SHIP, Fulfilment.SHIP.label),
            (Fulfilment.PICKUP, Fulfilment.PICKUP.label),
        ],
        widget=forms.RadioSelect,
        initial=Fulfilment.SHIP,
    )
    line1 = forms.CharField(label=gettext_lazy("Street address"), max_length=200, required=False)
    city = forms.CharField(label=gettext_lazy("Province or city"), max_length=100, required=False)
    pickup_location = forms.ModelChoiceField(
        label=gettext_lazy("Pick-up store"),
        queryset=Location.objects.filter(accepts_pickup=True),
        required=False,
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        choices=[
            (Payment.Method.COD, Payment.Method.COD.label),
            (Payment.Method.BANK_TRANSFER, Payment.Method.BANK_TRANSFER.label),
        ],
        widget=forms.RadioSelect,
        initial=Payment.Method.COD,
    )
    voucher_code = forms.CharField(label=gettext_lazy("Voucher"), max_length=40, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
    # The form's one-time id (see the module's docstring); missing or not ours: a stale page.
    submission = forms.CharField(widget=forms.HiddenInput, error_messages={"required": STALE_FORM})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial["submission"] = submission_token_issue(user)

    def clean_submission(self) -> uuid.UUID:
        try:
            return uuid.UUID(_submission_signer(self.user).unsign(self.cleaned_data["submission"]))
        except (signing.BadSignature, ValueError) as error:
            raise forms.ValidationError(STALE_FORM) from error

    def clean_lines(self) -> list[PhoneLine]:
        lines = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not raw.strip():
                continue
            parts = raw.split()
            try:
                sku, quantity = (parts[0], int(parts[1])) if len(parts) == 2 else ("", 0)
            except ValueError:
                sku, quantity = "", 0
            if not sku or quantity < 1:
                raise forms.ValidationError(
                    _("Line %(number)d: write the SKU, a space and a quantity of at least 1.")
                    % {"number": number}
                )
            lines.append(PhoneLine(sku=sku, quantity=quantity))
        if not lines:
            raise forms.ValidationError(_("Add at least one product."))
        return lines


def phone_order_view(request):
    if not request.user.has_perm(PHONE_ORDER_PERMISSION):
        raise PermissionDenied
    form = PhoneOrderForm(request.POST or None, user=request.user)
    form.fields["pickup_location"].queryset = scoped_location_choices(
        request, form.fields["pickup_location"].queryset
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order, placed = phone_order_place_once(
                client_uuid=data["submission"],
                phone=data["phone"],
                full_name=data["full_name"].strip(),
                lines=data["lines"],
                fulfilment=data["fulfilment"],
                payment_method=data["payment_method"],
                pickup_location=data["pickup_location"],
                shipping_address={"line1": data["line1"], "city": data["city"]},
                voucher_code=data["voucher_code"],
                note=data["note"],
            )
        except DomainError as error:
            form_errors_add(form, error, aliases=form.ALIASES, fallback="lines")
        else:
            if placed:
                messages.success(
                    request,
                    _("Order %(number)s is placed for %(name)s.")
                    % {"number": order.number, "name": data["full_name"]},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "This form was already sent: it placed order %(number)s, shown here. "
                        "Nothing more was ordered; open a new phone order for another."
                    )
                    % {"number": order.number},
                )
            return redirect("admin:orders_order_change", order.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Phone order"),
        "form": form,
        "opts": Order._meta,
    }
    return TemplateResponse(
        request, "admin/orders/phone_order.html", context, status=400 if form.errors else 200
    )


app_name = "phone_orders"
urlpatterns = [path("", admin.site.admin_view(phone_order_view), name="new")]
