"""Web store pages that the automated flows link to: "pay again" for a pending order.

Reached by signed links (``orders.selectors.order_pay_link_path``); no login needed: whoever
holds the link may pay the order, as with the order status page.
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders.forms import PayAgainForm
from orders.models import OrderLine, Payment
from orders.payments import card_provider
from orders.selectors import order_list, order_pay_token_read
from orders.services import order_payment_card
from orders.services.unpaid import order_unpaid_reason
from orders.views import order_status_url


@require_http_methods(["GET", "POST"])
def order_pay(request, token: str):
    """A pending order with its VietQR details, or a card form when it waits for a card."""
    try:
        order_id = order_pay_token_read(token=token)
    except signing.BadSignature:  # tampered or expired
        return render(request, "store/shop/order_link_invalid.html", status=400)
    order = (
        order_list()
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")),
            "payments",
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return render(request, "store/shop/order_link_invalid.html", status=404)
    refused = order_unpaid_reason(order=order)
    if refused:
        return render(
            request,
            "store/shop/order_pay_refused.html",
            {"order": order, "reason": refused, "status_url": order_status_url(order)},
            status=409,
        )
    card_pending = any(
        payment.method == Payment.Method.CARD and payment.status == Payment.Status.PENDING
        for payment in order.payments.all()
    )
    form = PayAgainForm(request.POST or None) if card_pending else None
    if request.method == "POST":
        if form is None or not form.is_valid():
            status = 400
        else:
            order, ok, message = order_payment_card(
                order=order, provider=card_provider(card_token=form.cleaned_data["card_number"])
            )
            if ok:
                messages.success(
                    request, _("Thank you! Order %(number)s is paid.") % {"number": order}
                )
                return redirect(order_status_url(order))
            form.add_error(
                "card_number", _("Your card was not charged: %(reason)s") % {"reason": message}
            )
            status = 400
    else:
        status = 200
    return render(
        request,
        "store/shop/order_pay.html",
        {
            "order": order,
            "form": form,
            "bank": {
                "bin": settings.VIETQR_BANK_BIN,
                "account_number": settings.VIETQR_ACCOUNT_NUMBER,
                "account_name": settings.VIETQR_ACCOUNT_NAME,
            },
            "shop_time_zone": settings.SHOP_TIME_ZONE,
        },
        status=status,
    )
