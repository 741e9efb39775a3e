"""Message preferences: the account's consent page and the one-click opt-out link."""

from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.exceptions import CustomerNotFound
from customers.forms import PREFERENCES_CONSENT_WORDING, PreferencesForm
from customers.models import ConsentRecord, Customer
from customers.selectors import consent_history, consent_state, customer_get
from customers.services import consent_opt_out, consent_preferences_save
from customers.views.login import _posted, shopper_required

CONSENT_HISTORY_SHOWN = 10


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
