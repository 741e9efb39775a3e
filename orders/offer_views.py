"""Web store pages that the automated flows link to: "pay again" for a pending order, and
the combo page that fills the cart with a bundle.

Reached by signed links (``orders.selectors.order_pay_link_path``, ``bundle_link_path``); no
login needed: whoever holds the link may pay the order, as with the order status page.
"""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders.exceptions import OrdersError
from orders.forms import PayAgainForm
from orders.models import OrderLine, Payment
from orders.payments import card_provider
from orders.selectors import bundle_token_read, bundles_live, order_list, order_pay_token_read
from orders.services import order_payment_card
from orders.services.bundles import cart_bundle_add
from orders.services.unpaid import order_unpaid_reason
from orders.views import cart_for_request, order_status_url


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


@require_http_methods(["GET", "POST"])
def combo(request, token: str):
    """A combo offer: GET shows the set and its price, POST puts one set in the cart."""
    try:
        bundle_id = bundle_token_read(token=token)
    except signing.BadSignature:
        return render(request, "store/shop/combo_invalid.html", status=400)
    bundle = bundles_live().filter(pk=bundle_id).first()
    if bundle is None:
        return render(request, "store/shop/combo_invalid.html", {"over": True}, status=410)
    items = list(bundle.items.all())
    set_amount = sum((item.variant.price_amount * item.quantity for item in items), 0)
    error = ""
    if request.method == "POST":
        cart = cart_for_request(request, create=True)
        try:
            cart_bundle_add(cart=cart, bundle=bundle)
        except OrdersError as failure:
            error = str(failure.detail)
        else:
            messages.success(request, _("%(name)s is in your cart.") % {"name": bundle.name})
            return redirect("shop:cart")
    return render(
        request,
        "store/shop/combo.html",
        {
            "bundle": bundle,
            "items": items,
            "set_amount": set_amount,
            "saving_amount": max(set_amount - bundle.price_amount, 0),
            "error": error,
        },
        status=409 if error else 200,
    )
