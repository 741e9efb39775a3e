"""Web pages of the customers app: sign-up, log-in and the one-click opt-out link."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.exceptions import CustomerNotFound, CustomersError
from customers.forms import SIGNUP_CONSENT_WORDING, LoginForm, SignupForm
from customers.models import ConsentRecord, Event
from customers.services import (
    consent_opt_out,
    event_record,
    shopper_signup,
    wishlist_add,
    wishlist_remove,
)
from inventory.models import Product


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


# A 1x1 transparent GIF: the product page shows it, so a product view is recorded for an
# identified shopper even without JavaScript, and the catalog (inventory) needs no import
# of customers to do it.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@require_http_methods(["GET"])
def product_viewed(request, product_id: int):
    """Record "product viewed" on the logged-in shopper's timeline; anonymous views are not kept."""
    customer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    if customer is not None:
        product = Product.objects.filter(pk=product_id, is_active=True).first()
        if product is not None:
            event_record(
                customer=customer,
                kind=Event.Kind.PRODUCT_VIEWED,
                payload={"product_id": product.pk, "slug": product.slug},
            )
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["POST"])
def wishlist_toggle(request):
    """Add a variant to (or, with ``remove``, take it off) the shopper's wishlist."""
    customer = getattr(request.user, "customer", None)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    try:
        variant_id = int(request.POST.get("variant_id", ""))
    except ValueError:
        messages.error(request, _("Choose a product to save."))
        return redirect(next_url)
    if customer is None:
        messages.error(request, _("Your account has no shopper profile yet."))
        return redirect(next_url)
    try:
        if request.POST.get("remove"):
            wishlist_remove(customer=customer, variant_id=variant_id)
            messages.success(request, _("Removed from your wishlist."))
        else:
            wishlist_add(customer=customer, variant_id=variant_id)
            messages.success(request, _("Saved to your wishlist."))
    except CustomersError as error:
        messages.error(request, error.detail)
    return redirect(next_url)
