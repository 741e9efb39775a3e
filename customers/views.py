"""Web pages of the customers app: the one-click opt-out link."""

from django.core import signing
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from customers.exceptions import CustomerNotFound
from customers.models import ConsentRecord
from customers.services import consent_opt_out


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
