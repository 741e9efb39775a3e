"""Forms of the web store's cart and checkout.

They only collect and shape input; every rule (what is left, a valid phone, a store that
has every line, a voucher's conditions, the total) is the services'. Their errors come
back onto these forms through :func:`config.forms.form_errors_add`.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Location
from orders.models import Fulfilment, Payment
from orders.services.checkout import CART_MAX_QUANTITY


class CartLineForm(forms.Form):
    """Change a line's quantity (0 removes it)."""

    variant_id = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=CART_MAX_QUANTITY)


class CheckoutForm(forms.Form):
    """Step 1: who is buying, and delivery or pick-up."""

    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("A phone number or an email, so we can reach you."),
    )
    contact_email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    fulfilment = forms.ChoiceField(
        label=_("How do you want your order?"),
        choices=[(Fulfilment.SHIP, _("Delivery")), (Fulfilment.PICKUP, _("Pick up in store"))],
        initial=Fulfilment.SHIP,
        widget=forms.RadioSelect,
    )
    address_line1 = forms.CharField(
        label=_("Street address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_district = forms.CharField(
        label=_("District"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    address_city = forms.CharField(
        label=_("City or province"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    pickup_location = forms.ModelChoiceField(
        label=_("Pick-up store"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )

    # What the services call these fields.
    ALIASES = {"shipping_address": "address_line1"}

    def __init__(self, *args, pickup_stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["pickup_location"]
        # Any store that hands over orders is accepted here; the service decides whether it
        # has every line. Only those that do are offered.
        field.queryset = Location.objects.filter(is_active=True, accepts_pickup=True)
        field.widget.choices = [
            (store.pk, ", ".join(part for part in (store.name, store.address) if part))
            for store in pickup_stores
        ]

    def shipping_address(self) -> dict:
        data = self.cleaned_data
        return {
            "line1": data["address_line1"].strip(),
            "district": data["address_district"].strip(),
            "city": data["address_city"].strip(),
        }


class PaymentForm(forms.Form):
    """Step 2: how to pay, a voucher, loyalty points; then the order is placed."""

    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[
            (Payment.Method.COD, _("Cash on delivery or at pick-up")),
            (Payment.Method.BANK_TRANSFER, _("Bank transfer (VietQR)")),
            (Payment.Method.CARD, _("Card")),
        ],
        initial=Payment.Method.COD,
        widget=forms.RadioSelect,
    )
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Only for card payments."),
    )
    voucher_code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    points = forms.IntegerField(label=_("Loyalty points to use"), min_value=0, required=False)
    expected_total_amount = forms.DecimalField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, points_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not points_allowed:
            del self.fields["points"]

    def clean(self):
        data = super().clean()
        if data.get("payment_method") == Payment.Method.CARD and not data.get("card_number"):
            self.add_error("card_number", _("Enter the card number."))
        return data


class PayAgainForm(forms.Form):
    """The card form of the "pay again" page (a pending order's card payment)."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
