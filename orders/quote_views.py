"""The shopper's quotes in the web account ("Báo giá của tôi"), and ordering one.

A quote is shown only to the customer it was made for: anyone else's (or an unknown
number) is a 404, the same answer. "Order this quote" opens the quote's own cart
(``quote_cart_open``) and sends the shopper through the ordinary checkout, which prices it
at the quote (``orders.services.checkout.order_place``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from orders.exceptions import QuoteError
from orders.selectors import quote_list_for_customer
from orders.services.checkout import web_channel
from orders.services.quotes import quote_cart_open

QUOTE_CART_SESSION_KEY = "quote_cart_token"


def _customer(request):
    return getattr(request.user, "customer", None)


def _own_quote(request, number: str):
    quote = quote_list_for_customer(customer=_customer(request)).filter(number=number).first()
    if quote is None:
        raise Http404
    return quote


@login_required
@require_http_methods(["GET"])
def account_quotes(request):
    """Every quote sent to the shopper, newest first, with its state."""
    return render(
        request,
        "store/account/quotes.html",
        {
            "quotes": quote_list_for_customer(customer=_customer(request)),
            "shop_time_zone": settings.SHOP_TIME_ZONE,
        },
    )


@login_required
@require_http_methods(["GET"])
def account_quote_detail(request, number: str):
    """One quote: its lines at the quoted prices, discount, validity, and the way to order."""
    quote = _own_quote(request, number)
    return render(
        request,
        "store/account/quote_detail.html",
        {"quote": quote, "shop_time_zone": settings.SHOP_TIME_ZONE},
    )


@login_required
@require_POST
def account_quote_order(request, number: str):
    """Start the checkout of a quote at its prices; an expired or used one says why."""
    quote = _own_quote(request, number)
    try:
        cart = quote_cart_open(quote=quote, user=request.user, channel=web_channel())
    except QuoteError as error:
        messages.error(request, error.detail)
        return redirect("shop:account-quote", number=quote.number)
    request.session[QUOTE_CART_SESSION_KEY] = str(cart.token)
    return redirect("shop:checkout")
