"""Web pages of the customers app: sign-up, log-in, the shopper's account (points, wishlist,
addresses, message preferences), reviews and the one-click opt-out link."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config import divisions
from config.forms import form_errors_add
from customers.contacts import normalize_contact
from customers.exceptions import (
    AccountExists,
    CustomerNotFound,
    CustomersError,
    ReviewAlreadyExists,
)
from customers.forms import (
    PREFERENCES_CONSENT_WORDING,
    SIGNUP_CONSENT_WORDING,
    AddressForm,
    LoginForm,
    PreferencesForm,
    ReviewForm,
    SignupForm,
    VerifyCodeForm,
)
from customers.login_throttle import WINDOW, client_ip_address, signup_clash_counter
from customers.models import ConsentRecord, ContactPoint, Customer, Event, OneTimeCode
from customers.selectors import (
    consent_history,
    consent_state,
    contact_verifications_pending,
    customer_get,
    loyalty_balance,
    loyalty_history,
    review_list,
    wishlist_list,
)
from customers.services import (
    consent_opt_out,
    consent_preferences_save,
    contact_verification_confirm,
    customer_address_add,
    customer_address_remove,
    event_record,
    one_time_code_send,
    review_request_token_read,
    review_submit,
    shopper_signup,
    signup_codes_send,
    wishlist_add,
    wishlist_remove,
)
from inventory.models import Product

LOYALTY_PAGE_SIZE = 25
CONSENT_HISTORY_SHOWN = 10


def _posted(request):
    """The submitted data, or None for a GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "POST"])
def signup(request):
    """Create a shopper account with an email or phone and a password, then log in."""
    form = SignupForm(_posted(request))
    clashes = signup_clash_counter(request)
    if request.method == "POST" and form.is_valid() and clashes.is_blocked():
        form.add_error(
            None,
            _(
                "Too many attempts. Wait %(minutes)s minutes and try again, or log in if you "
                "already have an account."
            )
            % {"minutes": int(WINDOW.total_seconds() // 60)},
        )
    elif request.method == "POST" and form.is_valid():
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
        except AccountExists:
            # Not which detail is taken, nor by whom: the same words for any clash. Clashes
            # are counted, so the form cannot check a list of emails or phones quickly.
            clashes.failure()
            form.add_error(
                None,
                _(
                    "We could not create an account with these details. If you already have "
                    "an account, log in; if you forgot your password, ask the shop to reset it."
                ),
            )
        except CustomersError as error:
            form_errors_add(form, error)
        except ValidationError as error:  # the password validators
            form.add_error("password", error)
        else:
            login(request, customer.user, backend="customers.auth.EmailOrPhoneBackend")
            # A code goes to every detail typed, whether someone else holds it or not, so
            # the next page says the same thing either way.
            typed = [
                (kind, normalize_contact(kind, data[kind]))
                for kind in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL)
                if data[kind]
            ]
            sent = signup_codes_send(
                customer=customer,
                email=data["email"] or None,
                phone=data["phone"] or None,
                ip_address=client_ip_address(request),
            )
            request.session[CLAIMS_SESSION_KEY] = [list(pair) for pair in typed]
            for _kind, value in typed:
                if (_kind, value) not in sent:
                    messages.warning(
                        request,
                        _("We could not send a code to %(contact)s yet: ask for a new one.")
                        % {"contact": value},
                    )
            return redirect("customers:verify")
    return render(request, "store/account/signup.html", {"form": form})


class ShopperLoginView(LoginView):
    """Log in with an email or phone (any format) and the password; throttled (see the form).

    Django's ``login()`` gives the session a new key, so a session id planted before the
    log-in is worthless after it.
    """

    form_class = LoginForm
    template_name = "store/account/login.html"
    next_page = "customers:account"

    def get_default_redirect_url(self):
        """The account, or first the verify page while a detail typed at sign-up waits for
        its code (a login that left that page finds it again here)."""
        customer = getattr(self.request.user, "customer", None)
        if customer is not None and contact_verifications_pending(customer=customer):
            return reverse("customers:verify")
        return super().get_default_redirect_url()

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "throttled"):
            response.status_code = 429
        return response


def shopper_required(view):
    """Log-in required; the view gets the shopper's live profile after the request.

    A login without a (live) shopper profile, such as a staff account, gets a page saying so.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        customer = getattr(request.user, "customer", None)
        if customer is not None and customer.merged_into_id:
            customer = customer_get(pk=customer.pk)
        if customer is None or customer.erased_at:
            return render(request, "store/account/no_profile.html", status=403)
        return view(request, customer, *args, **kwargs)

    return login_required(wrapper)


CLAIMS_SESSION_KEY = "customers:contact-claims"


def _claims(request, customer: Customer) -> list[tuple[str, str]]:
    """The details this login may prove here: the ones typed at sign-up, then any pending.

    Only those: the page cannot be used to send codes to numbers the login never gave.
    """
    typed = [tuple(pair) for pair in request.session.get(CLAIMS_SESSION_KEY, [])]
    claims = contact_verifications_pending(customer=customer, typed=typed)
    return sorted(claims, key=lambda pair: pair[0] != OneTimeCode.Kind.PHONE)


@shopper_required
@require_http_methods(["GET", "POST"])
def verify_contact(request, customer: Customer):
    """Prove a phone or email typed at sign-up with the code sent to it (or send another).

    The page reads the same whether the detail belongs to an existing profile or not;
    after the right code, a profile that held it (seen at the till, on a marketplace)
    becomes this login's, with every channel's orders.
    """
    claims = _claims(request, customer)
    if not claims:
        return redirect("customers:account")
    chosen = request.POST.get("kind") or request.GET.get("kind") or claims[0][0]
    kind, value = next((pair for pair in claims if pair[0] == chosen), claims[0])
    form = VerifyCodeForm(_posted(request), initial={"kind": kind})
    status = 200
    if request.method == "POST" and "resend" in request.POST:
        try:
            one_time_code_send(
                customer=customer,
                purpose=OneTimeCode.Purpose.CONTACT,
                kind=kind,
                value=value,
                ip_address=client_ip_address(request),
            )
        except CustomersError as error:
            messages.error(request, error.detail)
        else:
            messages.success(request, _("We sent a new code to %(contact)s.") % {"contact": value})
        return redirect(f"{request.path}?kind={kind}")
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["code"]:
        form.add_error("code", _("Type the 6-digit code we sent."))
    if request.method == "POST" and form.is_valid():
        try:
            contact_verification_confirm(
                customer=customer, kind=kind, value=value, code=form.cleaned_data["code"]
            )
        except CustomersError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Thank you: %(contact)s is verified.") % {"contact": value})
            remaining = [pair for pair in claims if pair != (kind, value)]
            request.session[CLAIMS_SESSION_KEY] = [list(pair) for pair in remaining]
            return redirect("customers:verify" if remaining else "customers:account")
    if form.errors:
        status = 400
    return render(
        request,
        "store/account/verify.html",
        {"form": form, "kind": kind, "value": value, "claims": claims},
        status=status,
    )


@shopper_required
@require_http_methods(["GET"])
def account(request, customer: Customer):
    contacts = [
        point
        for point in customer.contact_points.all()
        if point.kind in (ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE)
    ]
    state = consent_state(customer=customer)
    return render(
        request,
        "store/account/home.html",
        {
            "customer": customer,
            "contacts": contacts,
            "points": loyalty_balance(customer=customer),
            "wishlist_count": wishlist_list(customer=customer).count(),
            "address_count": len(customer.addresses or []),
            "marketing_channels": [
                label
                for channel, label in ConsentRecord.Channel.choices
                if state[channel][ConsentRecord.Purpose.MARKETING]
            ],
        },
    )


@shopper_required
@require_http_methods(["GET"])
def account_points(request, customer: Customer):
    page = Paginator(loyalty_history(customer=customer), LOYALTY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "store/account/points.html",
        {"points": loyalty_balance(customer=customer), "page": page},
    )


@shopper_required
@require_http_methods(["GET"])
def account_wishlist(request, customer: Customer):
    return render(
        request,
        "store/account/wishlist.html",
        {"items": wishlist_list(customer=customer)},
    )


@shopper_required
@require_http_methods(["GET", "POST"])
def account_addresses(request, customer: Customer):
    """The address book: the list, and a form that adds one."""
    if request.method == "POST" and AddressForm.WARDS_BUTTON in request.POST:
        # No JavaScript: the province was chosen, now its wards are listed.
        form = AddressForm(initial=request.POST.dict())
    else:
        form = AddressForm(_posted(request))
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            customer_address_add(customer=customer, **form.address_values())
        except CustomersError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, _("Address saved."))
            return redirect("customers:account-addresses")
    customer.refresh_from_db(fields=["addresses"])
    return render(
        request,
        "store/account/addresses.html",
        {"addresses": customer.addresses or [], "form": form},
        status=400 if form.errors else 200,
    )


@cache_control(max_age=24 * 3600, public=True)
@require_http_methods(["GET"])
def address_wards(request):
    """The wards of a province, for the address form's ward picker (``address.js``)."""
    code = request.GET.get("province", "")
    if divisions.province_name(code) is None:
        return JsonResponse(
            {"code": "province_unknown", "detail": _("No such province or city."), "fields": {}},
            status=404,
        )
    return JsonResponse(
        {
            "province": code,
            "placeholder": _("Choose the ward or commune"),
            "wards": [list(ward) for ward in divisions.wards(code)],
        }
    )


@shopper_required
@require_http_methods(["POST"])
def account_address_delete(request, customer: Customer, address_id: str):
    if customer_address_remove(customer=customer, address_id=address_id):
        messages.success(request, _("Address deleted."))
    else:
        messages.error(request, _("That address was already deleted."))
    return redirect("customers:account-addresses")


@shopper_required
@require_http_methods(["GET", "POST"])
def account_preferences(request, customer: Customer):
    """Marketing consent per channel; each change is recorded with its proof."""
    state = consent_state(customer=customer)
    initial = {
        channel: state[channel][ConsentRecord.Purpose.MARKETING]
        for channel in ConsentRecord.Channel.values
    }
    form = PreferencesForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        records = consent_preferences_save(
            customer=customer,
            marketing=form.marketing(),
            wording_version=PREFERENCES_CONSENT_WORDING,
        )
        if records:
            messages.success(request, _("Your message preferences are saved."))
        else:
            messages.info(request, _("Nothing changed: your preferences were already so."))
        return redirect("customers:account-preferences")
    return render(
        request,
        "store/account/preferences.html",
        {
            "form": form,
            "history": consent_history(customer=customer)
            .filter(purpose=ConsentRecord.Purpose.MARKETING)
            .order_by("-recorded_at", "-id")[:CONSENT_HISTORY_SHOWN],
        },
    )


# --- Reviews ----------------------------------------------------------------------------


def _review_page(request, *, customer: Customer, product: Product):
    """The review form for this shopper and product; one review per product."""
    already = review_list(customer=customer).filter(product=product).exists()
    form = ReviewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review_submit(
                customer=customer,
                product_id=product.pk,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except ReviewAlreadyExists:
            form.add_error(
                None,
                _("You have already reviewed this product: there is one review per product."),
            )
        except CustomersError as error:
            form_errors_add(form, error)
        else:
            # The next page says thank you; a flash message would say it a second time.
            return redirect("customers:review-thanks")
    return render(
        request,
        "store/account/review_form.html",
        {"form": form, "product": product, "already": already},
        status=400 if form.errors else 200,
    )


def _review_link_invalid(request, *, expired: bool = False):
    return render(request, "store/account/review_invalid.html", {"expired": expired}, status=400)


def _product_gone(request):
    return render(request, "store/account/review_product_gone.html", status=404)


@require_http_methods(["GET", "POST"])
def review_signed(request, token: str):
    """The review form from a review request: the signed link is the credential, no log-in."""
    try:
        customer_id, product_id = review_request_token_read(token=token)
        customer = customer_get(pk=customer_id)
    except signing.SignatureExpired:
        return _review_link_invalid(request, expired=True)
    except (signing.BadSignature, CustomerNotFound):
        return _review_link_invalid(request)
    if customer.erased_at:
        return _review_link_invalid(request)
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        return _product_gone(request)
    return _review_page(request, customer=customer, product=product)


@shopper_required
@require_http_methods(["GET", "POST"])
def review_new(request, customer: Customer):
    """The review form for a logged-in shopper, reached from an order (``?product=<id>``)."""
    try:
        product_id = int(request.GET.get("product", ""))
    except ValueError:
        return _product_gone(request)
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        return _product_gone(request)
    return _review_page(request, customer=customer, product=product)


@require_http_methods(["GET"])
def review_thanks(request):
    return render(request, "store/account/review_thanks.html")


# --- Opt-out, product views, wishlist ---------------------------------------------------


# RFC 8058: a mail client's one-click unsubscribe POSTs exactly this form field, with no
# CSRF token and no cookies; the signed token in the URL is the proof.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


@csrf_exempt  # only the one-click POST skips the check; see below
@require_http_methods(["GET", "POST"])
def opt_out(request, token: str):
    """The opt-out link: GET asks for confirmation and changes nothing (mail scanners follow
    links); POST withdraws marketing consent for the link's channel and confirms it in the
    shopper's language."""
    from django.middleware.csrf import CsrfViewMiddleware

    from customers.services.consent import consent_opt_out_token_read

    try:
        customer_id, channel = consent_opt_out_token_read(token=token)
        customer = customer_get(pk=customer_id)
    except (signing.BadSignature, CustomerNotFound):
        return render(request, "store/account/opt_out_invalid.html", status=400)
    channel_label = ConsentRecord.Channel(channel).label
    if request.method == "GET":
        with translation.override(customer.preferred_language):
            return render(request, "store/account/opt_out_confirm.html", {"channel": channel_label})
    one_click = request.POST.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    if not one_click:
        # The confirmation form is an ordinary form: it carries a CSRF token.
        refused = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
        if refused is not None:
            return refused
    consent_opt_out(token=token)
    with translation.override(customer.preferred_language):
        return render(request, "store/account/opt_out_done.html", {"channel": channel_label})


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
