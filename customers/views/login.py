"""Sign-up, log-in and proving a contact detail with a code; ``shopper_required`` for the
pages of the shopper's account.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.forms import form_errors_add
from customers.contacts import normalize_contact
from customers.exceptions import AccountExists, CustomersError
from customers.forms import SIGNUP_CONSENT_WORDING, LoginForm, SignupForm, VerifyCodeForm
from customers.login_throttle import WINDOW, client_ip_address, signup_clash_counter
from customers.models import ContactPoint, Customer, OneTimeCode
from customers.selectors import contact_verifications_pending, customer_get
from customers.services import (
    contact_verification_confirm,
    one_time_code_send,
    shopper_signup,
    signup_codes_send,
)


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
