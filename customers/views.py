"""Web pages of the customers app: sign-up, log-in and the one-click opt-out link."""

from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.exceptions import CustomerNotFound, CustomersError
from customers.forms import SIGNUP_CONSENT_WORDING, LoginForm, SignupForm
from customers.models import ConsentRecord
from customers.services import consent_opt_out, shopper_signup


@require_http_methods(["GET", "POST"])
def signup(request):
    """Create a shopper account with an email or phone and a password, then log in."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = shopper_signup(
                password=data["password"],
                email=data["email"] or None,
                phone=data["phone"] or None,
                full_name=data["full_name"],
                preferred_language=request.LANGUAGE_CODE,
                marketing_channels=data["marketing_channels"],
                wording_version=SIGNUP_CONSENT_WORDING,
            )
        except CustomersError as error:
            form.add_error(None, error.detail)
            for field, problems in error.fields.items():
                if field in form.fields:
                    for problem in problems:
                        form.add_error(field, problem)
        except ValidationError as error:  # the password validators
            form.add_error("password", error)
        else:
            login(request, customer.user, backend="customers.auth.EmailOrPhoneBackend")
            return redirect("home")
    return render(request, "customers/signup.html", {"form": form})


class ShopperLoginView(LoginView):
    """Log in with an email or phone (any format) and the password."""

    form_class = LoginForm
    template_name = "customers/login.html"
    next_page = "home"


# The signed token is the credential: no login, no CSRF token (mail clients POST the
# RFC 8058 one-click unsubscribe without one).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    """Withdraw marketing consent for the link's channel; confirm in the shopper's language."""
    try:
        customer, channel, _record = consent_opt_out(token=token)
    except (signing.BadSignature, CustomerNotFound):
        return render(request, "customers/opt_out_invalid.html", status=400)
    with translation.override(customer.preferred_language):
        return render(
            request,
            "customers/opt_out_done.html",
            {"channel": ConsentRecord.Channel(channel).label},
        )
