"""The goods receipt page's forms: the delivery (where, from whom) and its lines (a formset).

The forms check what a form can (numbers, a location of the staff member's); which codes
name a product, and everything else, is the service's to say
(:func:`inventory.services.goods_receipt_post`), and its refusal lands on the lines.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.money import MAX_AMOUNT, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from inventory.models import QUANTITY_LIMIT, Location, Supplier

LINES_PREFIX = "lines"
LINES_SHOWN = 5  # blank lines on a fresh page; "more lines" adds as many again
LINES_MAX = 200


class ReceiptForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True), label=_("Received at")
    )
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.filter(is_active=True), label=_("Supplier"), required=False
    )
    supplier_reference = forms.CharField(
        label=_("Delivery note"),
        max_length=100,
        required=False,
        help_text=_("The supplier's delivery note or invoice number."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReceiptLineForm(forms.Form):
    code = forms.CharField(
        label=_("SKU or barcode"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "class": "receipt-code", "spellcheck": "false"}
        ),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=QUANTITY_LIMIT,
        widget=forms.NumberInput(attrs={"class": "receipt-quantity", "inputmode": "numeric"}),
    )
    unit_cost_amount = forms.DecimalField(
        label=_("Unit cost (₫)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        widget=forms.NumberInput(attrs={"class": "receipt-cost", "inputmode": "decimal"}),
    )


class BaseReceiptLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(_("Give at least one line."), code="no_lines")

    def filled_forms(self) -> list[ReceiptLineForm]:
        """The lines staff filled in (blank lines are left out, the way they are left blank)."""
        return [form for form in self.forms if form.has_changed() and form.is_valid()]


ReceiptLineFormSet = forms.formset_factory(
    ReceiptLineForm,
    formset=BaseReceiptLineFormSet,
    extra=LINES_SHOWN,
    max_num=LINES_MAX,
    validate_max=True,
    absolute_max=LINES_MAX,
)
