"""Web store forms of the customers app: sign up and log in with email or phone."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from customers.models import ConsentRecord

# Bump when the wording of the consent checkboxes changes: records keep what was shown.
SIGNUP_CONSENT_WORDING = "signup-2026-11"


class SignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
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


class LoginForm(AuthenticationForm):
    """Django's login form, asking for an email or phone instead of a username."""

    username = forms.CharField(label=_("Email or phone"), max_length=254)
