"""The cart pages, and :func:`cart_for_request`, through which the cart and checkout views
find the shopper's cart: the account's cart when logged in (a guest cart left in the
session is merged into it first), else the guest cart whose token the session holds. The
header's count (``orders.context_processors.cart``) reads without writing.
"""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orders.exceptions import CartEmpty, OrderLinesInvalid, OrdersError
from orders.forms import CartLineForm
from orders.models import Cart
from orders.quote_views import QUOTE_CART_SESSION_KEY
from orders.selectors import cart_open
from orders.services import cart_get_or_create, cart_line_set, cart_merge
from orders.services.checkout import cart_lines_price
from orders.services.placing import LineInput, lines_price
from orders.shipping import shipping_note, shipping_quote

CART_SESSION_KEY = "cart_token"


def cart_for_request(request, *, create: bool = False) -> Cart | None:
    """The shopper's open cart (created on first use when ``create``).

    For the cart and checkout views only: it may write (create, merge). The customers app
    cannot call orders at login, so the guest cart joins the account's cart here, at the
    first cart or checkout request after logging in.
    """
    token = request.session.get(CART_SESSION_KEY)
    if request.user.is_authenticated:
        if token:
            # First cart or checkout request after logging in: the guest cart joins the
            # account's cart.
            guest = cart_open(token=token)
            request.session.pop(CART_SESSION_KEY, None)
            if guest is not None:
                return cart_merge(guest_cart=guest, user=request.user)
        cart = cart_open(user=request.user)
        return cart_get_or_create(user=request.user) if cart is None and create else cart
    cart = cart_open(token=token)
    if cart is None and create:
        cart = cart_get_or_create()
        request.session[CART_SESSION_KEY] = str(cart.token)
    return cart


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_POST
def cart_add(request):
    """Put ``quantity`` more of a variant in the cart; a clear message says what happened."""
    next_url = _next_url(request, reverse("shop:cart"))
    try:
        variant_id = int(request.POST.get("variant_id", ""))
        quantity = int(request.POST.get("quantity", "1"))
    except ValueError:
        messages.error(request, _("Choose a product and a quantity."))
        return redirect(next_url)
    if quantity < 1:
        messages.error(request, _("Choose at least one."))
        return redirect(next_url)
    cart = cart_for_request(request, create=True)
    in_cart = cart.lines.filter(variant_id=variant_id).values_list("quantity", flat=True).first()
    try:
        cart_line_set(cart=cart, variant_id=variant_id, quantity=(in_cart or 0) + quantity)
    except OrdersError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Added to your cart."))
    return redirect(next_url)


def _cart_summary(cart: Cart | None) -> dict:
    """The cart's lines priced by the same service the order uses (two queries, any size)."""
    rows = list(cart.lines.select_related("variant__product")) if cart is not None else []
    summary = {
        "lines": [],
        "subtotal_amount": Decimal(0),
        "total_amount": Decimal(0),
        "problem": "",
        "count": 0,
    }
    if not rows:
        return summary
    summary["count"] = sum(row.quantity for row in rows)
    savings = []
    try:
        if cart.quote_id:  # at the quote's prices, with its discount
            lines, savings = cart_lines_price(cart=cart)
        else:
            lines = lines_price(
                channel=cart.channel,
                lines=[LineInput(sku=row.variant.sku, quantity=row.quantity) for row in rows],
            )
        priced = {line.variant.pk: line for line in lines}
    except OrderLinesInvalid as error:
        # A product left the catalog: show the lines so the shopper can remove it.
        summary["problem"] = error.detail
        priced = {}
    for row in rows:
        line = priced.get(row.variant_id)
        summary["lines"].append(
            {
                "variant": row.variant,
                "quantity": row.quantity,
                "unit_price_amount": line.unit_price_amount if line else None,
                "total_amount": line.gross_amount if line else None,
            }
        )
    summary["subtotal_amount"] = sum((line.gross_amount for line in priced.values()), Decimal(0))
    summary.update(_shipping_summary(cart, summary["subtotal_amount"]))
    # A quote's discount, shown as the order will take it off (before any voucher).
    summary["quote"] = cart.quote if cart.quote_id else None
    summary["quote_discount_amount"] = sum((s.saving_amount for s in savings), Decimal(0))
    summary["total_amount"] -= summary["quote_discount_amount"]
    return summary


def _shipping_summary(cart: Cart, subtotal: Decimal) -> dict:
    """The delivery line: the fee once checkout knows how and where, else what it will be.

    Shown only; ``order_place`` computes the fee again from the rules.
    """
    if not cart.hold_reference:
        note = shipping_note(currency=cart.channel.currency)
        missing = (
            note.free_from_amount - subtotal
            if note.free_from_amount is not None and subtotal < note.free_from_amount
            else None
        )
        return {"shipping_note": note, "missing_for_free_amount": missing, "total_amount": subtotal}
    quote = shipping_quote(
        fulfilment=cart.fulfilment,
        province_code=(cart.shipping_address or {}).get("province_code", ""),
        subtotal_amount=subtotal,
        currency=cart.channel.currency,
    )
    return {
        "shipping": quote,
        "shipping_amount": quote.amount,
        "total_amount": subtotal + quote.amount,
    }


def _cart_with_channel(request) -> Cart | None:
    cart = cart_for_request(request)
    if cart is not None:
        # One more join now saves a query for the channel later.
        cart = Cart.objects.select_related("channel").get(pk=cart.pk)
    return cart


@require_http_methods(["GET"])
def cart_detail(request):
    """The cart: lines, quantities to change, totals and the way to checkout."""
    # Back to the own cart: a quote's checkout left half-way is left (its quote stays).
    request.session.pop(QUOTE_CART_SESSION_KEY, None)
    cart = _cart_with_channel(request)
    return render(
        request,
        "store/shop/cart.html",
        {"cart": cart, "summary": _cart_summary(cart), "max_quantity": 99},
    )


@require_POST
def cart_update(request):
    """Set a line's quantity (0 removes it); the service says when not enough is left."""
    next_url = _next_url(request, reverse("shop:cart"))
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a quantity between 0 and 99."))
        return redirect(next_url)
    cart = cart_for_request(request)
    if cart is None:
        messages.error(request, CartEmpty.default_detail)
        return redirect(next_url)
    quantity = form.cleaned_data["quantity"]
    try:
        cart_line_set(cart=cart, variant_id=form.cleaned_data["variant_id"], quantity=quantity)
    except OrdersError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("Removed from your cart.") if quantity == 0 else _("Cart updated.")
        )
    return redirect(next_url)
