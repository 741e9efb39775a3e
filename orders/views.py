"""Web store pages of the orders app: the cart and checkout.

The shopper's cart is found through :func:`cart_for_request`: the account's cart when
logged in (a guest cart left in the session is merged into it first), else the guest cart
whose token the session holds.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders.exceptions import OrdersError
from orders.models import Cart
from orders.selectors import cart_open
from orders.services import cart_get_or_create, cart_line_set, cart_merge

CART_SESSION_KEY = "cart_token"


def cart_for_request(request, *, create: bool = False) -> Cart | None:
    """The shopper's open cart (created on first use when ``create``)."""
    token = request.session.get(CART_SESSION_KEY)
    if request.user.is_authenticated:
        if token:
            # First page after logging in: the guest cart joins the account's cart.
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
    next_url = _next_url(request, "/")
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
