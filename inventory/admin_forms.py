"""Forms of the staff stock operations (adjust, transfer, count); each calls a service.

Receiving is a delivery of many lines: ``inventory.receipt_forms``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import QUANTITY_LIMIT, Location


def _active_locations():
    return Location.objects.filter(is_active=True)


class StockOperationForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)


class AdjustForm(StockOperationForm):
    location = forms.ModelChoiceField(queryset=_active_locations(), label=_("Location"))
    quantity = forms.IntegerField(
        label=_("Change"),
        min_value=-QUANTITY_LIMIT,
        max_value=QUANTITY_LIMIT,
        help_text=_("Negative takes away (broken, lost), positive adds (found)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
    field_order = ["location", "sku", "quantity", "reason"]


class TransferForm(StockOperationForm):
    source = forms.ModelChoiceField(queryset=_active_locations(), label=_("From"))
    destination = forms.ModelChoiceField(queryset=_active_locations(), label=_("To"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=QUANTITY_LIMIT)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    field_order = ["source", "destination", "sku", "quantity", "note"]


class CountForm(StockOperationForm):
    location = forms.ModelChoiceField(queryset=Location.objects.all(), label=_("Location"))
    quantity = forms.IntegerField(
        label=_("Counted quantity"), min_value=0, max_value=QUANTITY_LIMIT
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    field_order = ["location", "sku", "quantity", "reference"]
