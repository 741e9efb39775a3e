"""Placing the web order: the hold converted, everything priced again on the server, and
the order, its payment and its events written in one transaction.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from inventory.services import reservation_convert
from orders import locks
from orders.exceptions import CheckoutIncomplete, PriceChanged
from orders.models import Cart, Fulfilment, Order, Payment
from orders.services.bundles import bundles_find
from orders.services.checkout.starting import _own_profile
from orders.services.numbers import order_number_next
from orders.services.placing import (
    LineInput,
    Pricing,
    TenderInput,
    discounts_apply,
    lines_price,
    order_write,
    shipping_apply,
)
from orders.services.quotes import quote_accept, quote_lines_price, quote_savings, quote_take_lock
from orders.services.referrals import referral_apply, referral_welcome_quote
from orders.services.rollups import rollup_order_placed
from orders.services.vouchers import voucher_quote
from orders.statuses import OrderStatus
from orders.vietqr import vietqr_payload

WEB_PAYMENT_METHODS = (
    Payment.Method.COD,
    Payment.Method.BANK_TRANSFER,
    Payment.Method.CARD,
)


def order_place(
    *,
    cart: Cart,
    payment_method: str,
    voucher_code: str = "",
    points: int = 0,
    expected_total_amount: Decimal | None = None,
    referral_code: str = "",
) -> Order:
    """Turn the checked-out cart into an order: the hold becomes the order's allocation.

    Prices, discounts and totals are computed here; ``expected_total_amount`` (what the
    shopper saw) only guards against a price that changed in between. Errors name the
    lines, the voucher or the price; nothing is written then and the hold stays.
    """
    if payment_method not in WEB_PAYMENT_METHODS:
        raise CheckoutIncomplete(fields={"payment_method": [_("Choose how you will pay.")]})
    if not cart.hold_reference or not cart.lines.exists():
        raise CheckoutIncomplete(_("Start checkout again: enter your contact details first."))
    if points and (cart.customer is None or cart.user_id is None):
        raise CheckoutIncomplete(fields={"points": [_("Log in to pay with points.")]})
    own = _own_profile(cart) if points else None
    if points and (own is None or own.pk != cart.customer_id):
        # Points are paid only from the logged-in shopper's own profile, never from the
        # profile of a contact typed at checkout.
        raise CheckoutIncomplete(
            fields={"points": [_("Only the points of the account you are logged in to can pay.")]}
        )

    with transaction.atomic(durable=True):
        return order_place_write(
            cart=cart,
            payment_method=payment_method,
            voucher_code=voucher_code,
            points=points,
            expected_total_amount=expected_total_amount,
            referral_code=referral_code,
        )


def order_place_write(
    *,
    cart: Cart,
    payment_method: str,
    voucher_code: str = "",
    points: int = 0,
    expected_total_amount: Decimal | None = None,
    referral_code: str = "",
    note: str = "",
) -> Order:
    """:func:`order_place`'s writes, in the caller's transaction (the phone order's)."""
    cart = locks.cart_lock(cart_id=cart.pk)
    if cart.status != Cart.Status.OPEN:
        return cart.order
    channel = cart.channel
    # A quote's cart is priced at the quote (checked again here, under its lock: expired
    # or already ordered is refused); any other at the catalog's prices with its combos.
    quote = (
        quote_take_lock(quote_id=cart.quote_id, customer_id=cart.customer_id)
        if cart.quote_id
        else None
    )
    pricing = Pricing(
        currency=channel.currency,
        lines=_cart_lines_price(cart=cart, quote=quote),
        points=points,
    )
    if referral_code.strip():
        referral_apply(customer=cart.customer, code=referral_code)
    pricing.bundles = (
        quote_savings(quote=quote, lines=pricing.lines)
        if quote
        else bundles_find(channel=channel, lines=pricing.lines)
    )
    if voucher_code.strip():
        pricing.voucher = voucher_quote(
            code=voucher_code,
            channel=channel,
            customer=cart.customer,
            subtotal_amount=pricing.subtotal_amount - pricing.bundle_amount,
        )
    elif referral_code.strip():
        pricing.voucher = referral_welcome_quote(
            customer=cart.customer,
            channel=channel,
            subtotal_amount=pricing.subtotal_amount - pricing.bundle_amount,
        )
    discounts_apply(pricing=pricing)
    shipping_apply(
        pricing=pricing, fulfilment=cart.fulfilment, shipping_address=cart.shipping_address
    )
    if (
        expected_total_amount is not None
        and money_round(expected_total_amount, pricing.currency) != pricing.total_amount
    ):
        raise PriceChanged(
            _("The total is now %(total)s; please check and confirm again.")
            % {"total": pricing.total_amount},
            fields={"total_amount": [str(pricing.total_amount)]},
        )
    order = _order_from_cart(cart=cart, pricing=pricing, payment_method=payment_method, note=note)
    if quote is not None:
        quote_accept(quote=quote, order=order)
    rollup_order_placed(order=order, lines=order.lines.all())  # last: see services.rollups
    return order


def _cart_lines_price(*, cart: Cart, quote) -> list:
    if quote is not None:
        return quote_lines_price(quote=quote, channel=cart.channel)
    lines = list(cart.lines.select_related("variant"))
    return lines_price(
        channel=cart.channel,
        lines=[LineInput(sku=line.variant.sku, quantity=line.quantity) for line in lines],
    )


def _order_from_cart(*, cart: Cart, pricing: Pricing, payment_method: str, note: str) -> Order:
    """Convert the cart's hold and write its order (the cart becomes converted)."""
    channel = cart.channel
    pickup = cart.fulfilment == Fulfilment.PICKUP
    number = order_number_next(channel=channel)
    # The hold must still be there: if it expired, the shopper is told, nothing is sold.
    # Its reservations are filed under the order from now on.
    reservation_convert(reference=cart.hold_reference, new_reference=f"order:{number}")
    status, tender = _web_payment(method=payment_method, pricing=pricing, number=number)
    placed_at = timezone.now()
    order = order_write(
        channel=channel,
        pricing=pricing,
        number=number,
        status=status,
        fulfilment=cart.fulfilment,
        customer=cart.customer,
        placed_at=placed_at,
        location=cart.pickup_location if pickup else None,
        tenders=[tender] if tender else [],
        payment_due_at=_payment_due_at(status=status, method=payment_method, placed_at=placed_at),
        contact_name=cart.contact_name,
        contact_email=cart.contact_email,
        contact_phone=cart.contact_phone,
        shipping_address=cart.shipping_address,
        note=note,
    )
    cart.status = Cart.Status.CONVERTED
    cart.order = order
    cart.save(update_fields=["status", "order", "updated_at"])
    return order


def cart_lines_price(*, cart: Cart) -> tuple[list, list]:
    """A cart's lines priced as placing will price them, and its savings from a quote:
    the quote's prices for a quote's cart, the catalog's otherwise (no lock: for display)."""
    if cart.quote_id:
        lines = quote_lines_price(quote=cart.quote, channel=cart.channel)
        return lines, quote_savings(quote=cart.quote, lines=lines)
    return _cart_lines_price(cart=cart, quote=None), []


def _payment_due_at(*, status: str, method: str, placed_at):
    """When an order waiting for its bank transfer or card payment is cancelled if unpaid."""
    if status != OrderStatus.PENDING_PAYMENT or method not in {
        Payment.Method.BANK_TRANSFER,
        Payment.Method.CARD,
    }:
        return None
    return placed_at + timedelta(hours=settings.ORDER_PAYMENT_HOURS)


def _web_payment(*, method: str, pricing: Pricing, number: str) -> tuple[str, TenderInput | None]:
    """The order's first status and its payment row for a web payment method."""
    total = pricing.total_amount
    if total == 0:
        return OrderStatus.CONFIRMED, None
    if method == Payment.Method.COD:
        # Nothing to wait for: the courier collects on delivery.
        return OrderStatus.CONFIRMED, TenderInput(
            method=method, amount=total, status=Payment.Status.PENDING
        )
    payload = ""
    if method == Payment.Method.BANK_TRANSFER and settings.VIETQR_BANK_BIN:
        # The transfer's message is the order number, so the payment can be matched to it.
        payload = vietqr_payload(
            bank_bin=settings.VIETQR_BANK_BIN,
            account_number=settings.VIETQR_ACCOUNT_NUMBER,
            amount=total,
            message=number,
        )
    return OrderStatus.PENDING_PAYMENT, TenderInput(
        method=method, amount=total, status=Payment.Status.PENDING, vietqr_payload=payload
    )
