"""Web store forms of the customers app: sign up, log in, addresses, preferences, reviews."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from config import divisions
from config.forms import PhoneInput
from customers.login_throttle import WINDOW, LoginThrottle
from customers.models import ConsentRecord

# Bump when the wording of the consent checkboxes changes: records keep what was shown.
SIGNUP_CONSENT_WORDING = "signup-2026-11"
PREFERENCES_CONSENT_WORDING = "preferences-2026-11"


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=PhoneInput(),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    marketing_channels = forms.MultipleChoiceField(
        label=_("Send me offers and news by (optional)"),
        choices=[
            (ConsentRecord.Channel.EMAIL, _("Email")),
            (ConsentRecord.Channel.SMS, _("SMS")),
            (ConsentRecord.Channel.ZALO, _("Zalo")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(_("Give an email address or a phone number."))
        return data


class ThrottledLoginMixin:
    """Failed log-ins counted per identifier and IP address, and per address
    (:mod:`customers.login_throttle`); a blocked pair is refused before the password is
    checked, so a correct guess does not get through. Shoppers and staff alike."""

    throttled_message = _(
        "Too many failed attempts. Wait %(minutes)s minutes and try again, or ask the "
        "shop to reset your password."
    )

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or self.cleaned_data.get("password") is None:
            return self.cleaned_data  # the field errors say what is missing
        throttle = LoginThrottle.for_request(self.request, username)
        if throttle.is_blocked():
            # Refused before the password is checked: a correct guess must not get through.
            raise forms.ValidationError(
                self.throttled_message,
                code="throttled",
                params={"minutes": int(WINDOW.total_seconds() // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.failure()
            raise
        throttle.reset()
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's login form, asking for an email or phone instead of a username.

    Failed attempts are throttled per identifier and IP address; the messages are the
    same whether an account exists or not.
    """

    username = forms.CharField(
        label=_("Email or phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The email or phone and password do not match an account. Check them and try "
            "again, or sign up if you have no account yet."
        ),
        "inactive": _(
            "The email or phone and password do not match an account. Check them and try "
            "again, or sign up if you have no account yet."
        ),
    }


class StaffLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's log-in, throttled like the shoppers' (wired as ``admin.site.login_form``
    in ``config/urls.py``). A wrong password and a non-staff account count alike."""

    throttled_message = _(
        "Too many failed attempts. Wait %(minutes)s minutes and try again, or ask the "
        "owner to reset your password."
    )


class WardField(forms.ChoiceField):
    """Lists the chosen province's wards; whether the ward is one of them is the service's
    to say (``address_clean``), with every other problem of the address at once."""

    def valid_value(self, value):
        return True


class AddressFieldsForm(forms.Form):
    """The delivery address on the 2025 units, for checkout and the address book alike.

    Without JavaScript the ward select lists the wards of the province chosen when the form
    was last sent (the "Show its wards" button, or any submit); ``static/tiem/address.js``
    refills it as soon as the province changes. The service
    (:func:`customers.services.address_clean`) checks the pair again.
    """

    # The submit button that only refreshes the ward list (no JavaScript).
    WARDS_BUTTON = "show_wards"

    line1 = forms.CharField(
        label=_("House number and street"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Building, floor, alley (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    province_code = forms.ChoiceField(
        label=_("Province / city"),
        required=False,
        choices=(),
        error_messages={"invalid_choice": _("Choose the province or city.")},
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    ward_code = WardField(
        label=_("Ward / commune"),
        required=False,
        choices=(),
        widget=forms.Select(attrs={"autocomplete": "address-level2"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        province = self.fields["province_code"]
        province.choices = [("", _("Choose the province or city")), *divisions.provinces()]
        province.widget.attrs.update(
            {
                "data-wards-url": reverse("customers:address-wards"),
                "data-wards-for": self["ward_code"].auto_id,
            }
        )
        chosen = self._chosen_province()
        self.fields["ward_code"].choices = (
            [("", _("Choose the ward or commune")), *divisions.wards(chosen)]
            if divisions.province_name(chosen)
            else [("", _("Choose the province first"))]
        )

    def _chosen_province(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("province_code"), "") or ""
        return str(self.initial.get("province_code") or "")

    def address_values(self) -> dict:
        """What :func:`customers.services.address_clean` takes."""
        data = self.cleaned_data
        return {
            key: data.get(key) or "" for key in ("line1", "line2", "province_code", "ward_code")
        }


class AddressForm(AddressFieldsForm):
    """An address of the account's book: the delivery address plus who receives it."""

    name = forms.CharField(
        label=_("Recipient's name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("For the courier, e.g. 0909 908 089."),
        widget=PhoneInput(),
    )

    field_order = ["name", "phone", "line1", "line2", "province_code", "ward_code"]

    def address_values(self) -> dict:
        data = self.cleaned_data
        return {**super().address_values(), "name": data["name"], "phone": data["phone"]}


class PreferencesForm(forms.Form):
    """Marketing consent per channel; the checkbox shows the current state."""

    email = forms.BooleanField(label=_("Email"), required=False)
    sms = forms.BooleanField(label=_("SMS"), required=False)
    zalo = forms.BooleanField(label=_("Zalo"), required=False)
    messenger = forms.BooleanField(label=_("Messenger"), required=False)

    def marketing(self) -> dict[str, bool]:
        return {channel: self.cleaned_data[channel] for channel in ConsentRecord.Channel.values}


class ReviewForm(forms.Form):
    RATINGS = [
        (5, _("5 stars: excellent")),
        (4, _("4 stars: good")),
        (3, _("3 stars: fair")),
        (2, _("2 stars: poor")),
        (1, _("1 star: bad")),
    ]

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from 1 to 5 stars.")},
    )
    text = forms.CharField(
        label=_("Your review (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What did you like or not? Up to 2,000 characters."),
    )


class VerifyCodeForm(forms.Form):
    """The one-time code sent to the phone or email being proven."""

    kind = forms.ChoiceField(
        choices=[("phone", _("Phone")), ("email", _("Email"))], widget=forms.HiddenInput
    )
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        required=False,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
