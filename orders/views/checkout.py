"""Checkout: step 1 (contact, delivery or pick-up, the stock held) and step 2 (payment,
voucher and points; the order placed).
"""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.api.errors import DomainError
from config.forms import form_errors_add
from config.templatetags.contact import phone as phone_national
from customers.selectors import loyalty_balance
from inventory.selectors import variant_availability_by_location
from orders.exceptions import CartEmpty, PriceChanged
from orders.forms import CheckoutForm, PaymentForm
from orders.models import Cart, Fulfilment, Order, Payment
from orders.payments import card_provider
from orders.quote_views import QUOTE_CART_SESSION_KEY
from orders.services import checkout_start, order_payment_card, order_place
from orders.statuses import OrderStatus
from orders.views.cart import _cart_summary, cart_for_request
from orders.views.orders import _shopper_customer, order_status_url


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
