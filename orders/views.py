"""Web store pages of the orders app: the cart, checkout, order status and order history.

The shopper's cart is found through :func:`cart_for_request`: the account's cart when
logged in (a guest cart left in the session is merged into it first), else the guest cart
whose token the session holds. Only the cart and checkout views call it: the header's count
(``orders.context_processors.cart``) reads without writing.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.api.errors import DomainError
from config.forms import form_errors_add
from config.templatetags.contact import phone as phone_national
from customers.selectors import loyalty_balance
from inventory.selectors import variant_availability_by_location
from orders.exceptions import CartEmpty, OrderLinesInvalid, OrdersError, PriceChanged
from orders.forms import CartLineForm, CheckoutForm, PaymentForm
from orders.models import Cart, Fulfilment, Order, OrderLine, Payment
from orders.payments import card_provider
from orders.quote_views import QUOTE_CART_SESSION_KEY
from orders.selectors import cart_open, order_list
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    cart_merge,
    checkout_start,
    order_payment_card,
    order_place,
)
from orders.services.checkout import cart_lines_price
from orders.services.placing import LineInput, lines_price
from orders.shipping import shipping_note, shipping_quote
from orders.statuses import OrderStatus

CART_SESSION_KEY = "cart_token"
ORDER_STATUS_SALT = "order-status"
ORDER_STATUS_MAX_AGE = timedelta(days=90)
ORDER_HISTORY_PAGE_SIZE = 20


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


# --- Signed order links -----------------------------------------------------------------


def order_status_token(order: Order) -> str:
    """The credential of an order's status page: whoever has the link may see the order."""
    return signing.dumps(order.pk, salt=ORDER_STATUS_SALT, compress=True)


def order_status_url(order: Order) -> str:
    return reverse("shop:order-status", args=[order_status_token(order)])


# --- Cart -------------------------------------------------------------------------------


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


def _checkout_cart(request) -> Cart | None:
    """The cart being checked out: a quote's, when the shopper chose "order this quote"
    (orders.quote_views) and it is still open, else the shopper's own cart."""
    token = request.session.get(QUOTE_CART_SESSION_KEY)
    if token and request.user.is_authenticated:
        cart = (
            Cart.objects.select_related("channel", "quote")
            .filter(token=token, user=request.user, status=Cart.Status.OPEN)
            .first()
        )
        if cart is not None:
            return cart
        request.session.pop(QUOTE_CART_SESSION_KEY, None)
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


# --- Checkout ---------------------------------------------------------------------------


def _pickup_stores(cart: Cart | None, rows) -> list:
    """Stores that hand over orders, sell for the web store and have every line right now."""
    if cart is None or not rows:
        return []
    wanted = {row.variant_id: row.quantity for row in rows}
    selling_from = set(cart.channel.channel_locations.values_list("location_id", flat=True))
    covered = defaultdict(int)
    stores = {}
    levels = variant_availability_by_location(variants=list(wanted)).filter(
        location__accepts_pickup=True, location_id__in=selling_from
    )
    for level in levels:
        if level.available_quantity >= wanted[level.variant_id]:
            covered[level.location_id] += 1
            stores[level.location_id] = level.location
    return sorted(
        (stores[pk] for pk, count in covered.items() if count == len(wanted)),
        key=lambda store: store.name,
    )


def _contact_on_file(customer) -> dict:
    """What a logged-in shopper has already told us, to save them typing it again."""
    contacts = dict(
        customer.contact_points.filter(kind__in=["email", "phone"])
        .order_by("-id")
        .values_list("kind", "value")
    )
    book = [entry for entry in customer.addresses or [] if isinstance(entry, dict)]
    # An address on the 2025 units fills every field; an older one only the street (its
    # province and ward must be chosen again).
    address = next((entry for entry in book if entry.get("province_code")), None) or (
        book[0] if book else {}
    )
    return {
        "contact_name": customer.full_name,
        "contact_email": contacts.get("email", ""),
        "contact_phone": phone_national(contacts.get("phone", "")),
        **_address_initial(address),
    }


def _address_initial(address: dict) -> dict:
    return {key: address.get(key, "") for key in ("line1", "line2", "province_code", "ward_code")}


@require_http_methods(["GET", "POST"])
def checkout(request):
    """Step 1: contact, then delivery address or pick-up store; holds the stock."""
    cart = _checkout_cart(request)
    rows = list(cart.lines.select_related("variant__product")) if cart is not None else []
    initial = {}
    if cart is not None and cart.hold_reference:
        initial = {
            "contact_name": cart.contact_name,
            "contact_email": cart.contact_email,
            "contact_phone": phone_national(cart.contact_phone),
            "fulfilment": cart.fulfilment,
            "pickup_location": cart.pickup_location_id,
            **_address_initial(cart.shipping_address or {}),
        }
    elif request.user.is_authenticated and getattr(request.user, "customer", None):
        initial = _contact_on_file(request.user.customer)
    pickup_stores = _pickup_stores(cart, rows)
    if request.method == "POST" and CheckoutForm.WARDS_BUTTON in request.POST:
        # No JavaScript: the province was chosen, now its wards are listed; nothing is sent.
        form = CheckoutForm(initial=request.POST.dict(), pickup_stores=pickup_stores)
    else:
        form = CheckoutForm(request.POST or None, initial=initial, pickup_stores=pickup_stores)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            if cart is None:
                raise CartEmpty()
            checkout_start(
                cart=cart,
                contact_name=data["contact_name"].strip(),
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                fulfilment=data["fulfilment"],
                pickup_location=data["pickup_location"],
                shipping_address=form.shipping_address(),
            )
        except DomainError as error:
            fallback = "pickup_location" if data["fulfilment"] == Fulfilment.PICKUP else None
            form_errors_add(form, error, aliases=form.ALIASES, fallback=fallback)
        else:
            return redirect("shop:checkout-pay")
    return render(
        request,
        "store/shop/checkout.html",
        {
            "cart": cart,
            "summary": _cart_summary(cart),
            "form": form,
            "hold_minutes": settings.STOCK_HOLD_MINUTES,
        },
        status=400 if form.errors else 200,
    )


def _shopper_customer(request):
    if not request.user.is_authenticated:
        return None
    return getattr(request.user, "customer", None)


@require_http_methods(["GET", "POST"])
def checkout_pay(request):
    """Step 2: payment method, voucher and points; places the order."""
    cart = _checkout_cart(request)
    if cart is None or not cart.hold_reference:
        messages.info(request, _("Enter your contact details first."))
        return redirect("shop:checkout")
    summary = _cart_summary(cart)
    customer = _shopper_customer(request)
    points_allowed = customer is not None and cart.user_id is not None
    form = PaymentForm(
        request.POST or None,
        initial={"expected_total_amount": summary["total_amount"]},
        points_allowed=points_allowed,
    )
    shown_total = summary["total_amount"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["expected_total_amount"] is not None:
            shown_total = data["expected_total_amount"]
        try:
            order = order_place(
                cart=cart,
                payment_method=data["payment_method"],
                voucher_code=data["voucher_code"],
                points=data.get("points") or 0,
                expected_total_amount=shown_total,
                referral_code=data.get("referral_code") or "",
            )
        except PriceChanged as error:
            # The voucher, the points or a new price changed the total: show it and let the
            # shopper confirm that amount.
            new_total = Decimal((error.fields.get("total_amount") or [shown_total])[0])
            form = PaymentForm(
                {**request.POST.dict(), "expected_total_amount": str(new_total)},
                points_allowed=points_allowed,
            )
            form.is_valid()
            form.add_error(
                None, _("The total is now shown below; check it and confirm to place your order.")
            )
            shown_total = new_total
        except DomainError as error:
            form_errors_add(form, error)
        else:
            return _placed(request, order=order, card_number=data["card_number"])
    return render(
        request,
        "store/shop/checkout_pay.html",
        {
            "cart": cart,
            "summary": summary,
            "form": form,
            "shown_total": shown_total,
            # "Chị Lan · 0912 345 678 · lan@example.vn", leaving out what was not given.
            "contact_parts": [
                part
                for part in (
                    cart.contact_name,
                    phone_national(cart.contact_phone),
                    cart.contact_email,
                )
                if part
            ],
            "hold_expired": cart.hold_expires_at is not None
            and cart.hold_expires_at <= timezone.now(),
            # Times shown to shoppers ("we keep these items until 15:42") are the shop's.
            "shop_time_zone": settings.SHOP_TIME_ZONE,
            "loyalty_balance": loyalty_balance(customer=customer) if points_allowed else None,
            "point_value": settings.LOYALTY_POINT_VALUE_VND,
        },
        status=400 if request.method == "POST" else 200,
    )


def _placed(request, *, order: Order, card_number: str):
    if (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.payments.filter(method=Payment.Method.CARD).exists()
    ):
        order, ok, message = order_payment_card(
            order=order, provider=card_provider(card_token=card_number)
        )
        if not ok:
            messages.error(
                request,
                _("Your card was not charged: %(reason)s Your order is kept, waiting for payment.")
                % {"reason": message},
            )
    messages.success(request, _("Thank you! Order %(number)s is placed.") % {"number": order})
    return redirect(order_status_url(order))


# --- Order status and history -----------------------------------------------------------


@require_http_methods(["GET"])
def order_status(request, token: str):
    """An order's confirmation and status, reached by its signed link (no login needed)."""
    try:
        order_id = signing.loads(token, salt=ORDER_STATUS_SALT, max_age=ORDER_STATUS_MAX_AGE)
    except signing.BadSignature:  # tampered or expired (SignatureExpired is a subclass)
        return render(request, "store/shop/order_link_invalid.html", status=400)
    order = (
        order_list()
        .prefetch_related(None)  # order_list's plain "lines": these carry their variants
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("variant__product")),
            "payments",
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return render(request, "store/shop/order_link_invalid.html", status=404)
    viewer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    return render(
        request,
        "store/shop/order_status.html",
        {
            "order": order,
            # The buyer, logged in, may review what they received.
            "can_review": viewer is not None
            and viewer.pk == order.customer_id
            and order.status in {OrderStatus.COMPLETED, OrderStatus.PARTIALLY_RETURNED},
            "bank": {
                "bin": settings.VIETQR_BANK_BIN,
                "account_number": settings.VIETQR_ACCOUNT_NUMBER,
                "account_name": settings.VIETQR_ACCOUNT_NAME,
            },
            "statuses": OrderStatus,
            "shop_time_zone": settings.SHOP_TIME_ZONE,
        },
    )


@login_required
@require_http_methods(["GET"])
def account_orders(request):
    """Every order of the shopper's profile, whatever the channel (web, POS, marketplace)."""
    customer = _shopper_customer(request)
    orders = (
        order_list().prefetch_related(None).filter(customer=customer)
        if customer is not None
        else Order.objects.none()
    )
    # Paged: a regular's history grows for years; each page is the same few queries.
    page = Paginator(orders, ORDER_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.status_url = order_status_url(order)
    return render(
        request,
        "store/shop/account_orders.html",
        {"orders": page.object_list, "page": page, "shop_time_zone": settings.SHOP_TIME_ZONE},
    )
