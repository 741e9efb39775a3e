"""The web store's cart and checkout.

A cart belongs to a guest (found by its token in the session) or to a logged-in shopper,
and is merged into the account's cart at login. Starting checkout records who is buying
(resolving the customer by phone or email), holds the stock for ``STOCK_HOLD_MINUTES``
and tells the timeline; placing the order converts the hold, prices everything again
on the server and writes the order, its payment and its events in one transaction.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from customers.contacts import normalize_email, normalize_phone
from customers.exceptions import AddressInvalid, InvalidContactPoint
from customers.models import Customer, Event
from customers.services import address_clean, customer_resolve, event_record
from inventory.models import Location, Reservation, SalesChannel, Variant
from inventory.selectors import variant_available_to_sell
from inventory.services import (
    StockLine,
    reservation_convert,
    reservation_release,
    stock_reserve,
)
from orders import locks
from orders.exceptions import (
    CartEmpty,
    CartQuantityUnavailable,
    CheckoutIncomplete,
    OrderLinesInvalid,
    PickupStoreUnavailable,
    PriceChanged,
)
from orders.models import Cart, CartLine, Fulfilment, Order, Payment
from orders.services.bundles import bundles_find
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
CART_MAX_QUANTITY = 99


def web_channel() -> SalesChannel:
    """The web store's channel (the first active one of kind web)."""
    channel = SalesChannel.objects.filter(kind=SalesChannel.Kind.WEB, is_active=True).first()
    if channel is None:
        raise CheckoutIncomplete(_("The web store has no active sales channel."))
    return channel


def cart_get_or_create(*, user=None, token=None, channel: SalesChannel | None = None) -> Cart:
    """The shopper's open cart: the account's when logged in, else the session's guest cart."""
    carts = Cart.objects.filter(status=Cart.Status.OPEN)
    if user is not None and user.is_authenticated:
        cart = carts.filter(user=user).first()
        if cart is None:
            cart, _created = Cart.objects.get_or_create(
                user=user,
                status=Cart.Status.OPEN,
                defaults={
                    "channel": channel or web_channel(),
                    "customer": getattr(user, "customer", None),
                },
            )
        return cart
    cart = carts.filter(token=token, user__isnull=True).first() if token else None
    return cart or Cart.objects.create(channel=channel or web_channel())


def _available(*, cart: Cart, variant_ids) -> dict[int, int]:
    return dict(
        variant_available_to_sell(channel=cart.channel)
        .filter(pk__in=variant_ids)
        .values_list("pk", "available_to_sell")
    )


@transaction.atomic
def cart_line_set(*, cart: Cart, variant_id: int, quantity: int) -> Cart:
    """Set how many of a variant are in the cart (0 removes it).

    Refused, with the number left, when the web store cannot sell that many.
    """
    if quantity < 0 or quantity > CART_MAX_QUANTITY:
        raise CartQuantityUnavailable(
            _("Choose between 0 and %(max)d.") % {"max": CART_MAX_QUANTITY},
            fields={"quantity": [_("Between 0 and %(max)d.") % {"max": CART_MAX_QUANTITY}]},
        )
    if quantity == 0:
        # Taking something out always works, even a product no longer sold.
        CartLine.objects.filter(cart=cart, variant_id=variant_id).delete()
    else:
        variant = Variant.objects.filter(
            pk=variant_id, is_active=True, product__is_active=True
        ).first()
        if variant is None:
            raise OrderLinesInvalid(
                _("This product is no longer sold."), fields={"variant_id": [_("Not for sale.")]}
            )
        available = _available(cart=cart, variant_ids=[variant.pk]).get(variant.pk, 0)
        if quantity > available:
            raise CartQuantityUnavailable(
                _("Only %(count)d of %(name)s left.")
                % {"count": available, "name": variant.display_name}
                if available
                else _("%(name)s is sold out.") % {"name": variant.display_name},
                fields={"quantity": [_("%(count)d left.") % {"count": available}]},
            )
        CartLine.objects.update_or_create(
            cart=cart, variant=variant, defaults={"quantity": quantity}
        )
    cart.save(update_fields=["updated_at"])
    if cart.customer_id:
        event_record(
            customer=cart.customer,
            kind=Event.Kind.CART_UPDATED,
            channel=cart.channel,
            payload=cart_event_payload(cart=cart),
        )
    return cart


@transaction.atomic
def cart_merge(*, guest_cart: Cart, user) -> Cart:
    """At login: the guest cart's lines join the account's cart (the larger quantity wins)."""
    account_cart = cart_get_or_create(user=user, channel=guest_cart.channel)
    if guest_cart.pk == account_cart.pk or guest_cart.status != Cart.Status.OPEN:
        return account_cart
    existing = {line.variant_id: line for line in account_cart.lines.all()}
    for line in guest_cart.lines.all():
        mine = existing.get(line.variant_id)
        if mine is None:
            CartLine.objects.create(
                cart=account_cart, variant_id=line.variant_id, quantity=line.quantity
            )
        elif line.quantity > mine.quantity:
            mine.quantity = line.quantity
            mine.save(update_fields=["quantity"])
    if guest_cart.hold_reference:
        reservation_release(reference=guest_cart.hold_reference)
    guest_cart.status = Cart.Status.MERGED
    guest_cart.save(update_fields=["status", "updated_at"])
    return account_cart


def cart_event_payload(*, cart: Cart) -> dict:
    lines = list(cart.lines.select_related("variant"))
    return {
        "cart_token": str(cart.token),
        "lines": [
            {
                "variant_id": line.variant_id,
                "product_id": line.variant.product_id,
                "sku": line.variant.sku,
                "quantity": line.quantity,
            }
            for line in lines
        ],
        "product_ids": sorted({line.variant.product_id for line in lines}),
    }


def checkout_start(
    *,
    cart: Cart,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    fulfilment: str = Fulfilment.SHIP,
    pickup_location: Location | None = None,
    shipping_address: dict | None = None,
) -> Cart:
    """Record who is buying and hold the cart's stock while they pay.

    The contact resolves (or creates) the customer profile, so a phone typed here is known
    at the showroom's till. The hold replaces any earlier hold of this cart and expires
    after ``STOCK_HOLD_MINUTES``; for a pick-up, every line must be at that one store.
    """
    lines = list(cart.lines.select_related("variant"))
    if not lines:
        raise CartEmpty()
    email, phone, shipping_address = _checkout_clean(
        contact_email=contact_email,
        contact_phone=contact_phone,
        fulfilment=fulfilment,
        pickup_location=pickup_location,
        shipping_address=shipping_address,
    )
    with transaction.atomic(durable=True):
        return _checkout_write(
            cart=cart,
            lines=lines,
            contact_name=contact_name,
            email=email,
            phone=phone,
            fulfilment=fulfilment,
            pickup_location=pickup_location,
            shipping_address=shipping_address,
        )


def _checkout_clean(
    *, contact_email, contact_phone, fulfilment, pickup_location, shipping_address
) -> tuple[str, str, dict]:
    """The contact normalized (email, phone) and the delivery address checked, or
    CheckoutIncomplete naming every field wrong.

    An address with ``province_code``/``ward_code`` (the web store's pickers) must name a
    ward of that province, and is stored with the units' names. One without them (written
    before the 2025 reform, or handed over by another channel) is kept as written, with at
    least a street and a city.
    """
    errors = {}
    email = phone = ""
    address = dict(shipping_address or {})
    try:
        email = normalize_email(contact_email) if contact_email.strip() else ""
    except InvalidContactPoint as error:
        errors["contact_email"] = [error.detail]
    try:
        phone = normalize_phone(contact_phone) if contact_phone.strip() else ""
    except InvalidContactPoint as error:
        errors["contact_phone"] = [error.detail]
    if not errors and not (email or phone):
        errors["contact_phone"] = [_("Give a phone number or an email so we can reach you.")]
    if fulfilment == Fulfilment.PICKUP:
        if pickup_location is None or not pickup_location.accepts_pickup:
            errors["pickup_location"] = [_("Choose a store that hands over orders.")]
    elif fulfilment == Fulfilment.SHIP:
        if "province_code" in address or "ward_code" in address:
            try:
                address = address_clean(
                    line1=address.get("line1", ""),
                    line2=address.get("line2", ""),
                    province_code=address.get("province_code", ""),
                    ward_code=address.get("ward_code", ""),
                )
            except AddressInvalid as error:
                errors.update(error.fields)
        elif not (address.get("line1") and address.get("city")):
            errors["shipping_address"] = [_("Give the street address and the city.")]
    else:
        errors["fulfilment"] = [_("Choose delivery or pick-up in store.")]
    if errors:
        raise CheckoutIncomplete(fields=errors)
    return email, phone, address


def _checkout_write(
    *, cart, lines, contact_name, email, phone, fulfilment, pickup_location, shipping_address
) -> Cart:
    """Inside the caller's transaction: the new hold, the customer, the cart, the event."""
    cart = locks.cart_lock(cart_id=cart.pk)
    pickup_at = pickup_location if fulfilment == Fulfilment.PICKUP else None
    reference, ttl = _checkout_hold(
        cart=cart, lines=lines, fulfilment=fulfilment, pickup_location=pickup_at
    )
    customer = _buyer(cart=cart, email=email, phone=phone, contact_name=contact_name)
    cart.customer = customer
    cart.contact_name = contact_name
    cart.contact_email = email
    cart.contact_phone = phone
    cart.fulfilment = fulfilment
    cart.pickup_location = pickup_at
    cart.shipping_address = shipping_address if fulfilment == Fulfilment.SHIP else {}
    cart.hold_reference = reference
    cart.hold_expires_at = timezone.now() + ttl
    cart.save()
    event_record(
        customer=customer,
        kind=Event.Kind.CHECKOUT_STARTED,
        channel=cart.channel,
        location=cart.pickup_location,
        payload={
            **cart_event_payload(cart=cart),
            "fulfilment": fulfilment,
            "pickup_location_id": cart.pickup_location_id,
            # Where the shopper is, for an invitation to the nearest showroom; the
            # full address stays on the cart (no personal data in the payload).
            "city": cart.shipping_address.get("province") or cart.shipping_address.get("city", ""),
            "province_code": cart.shipping_address.get("province_code", ""),
            "has_phone": bool(phone),
            "has_email": bool(email),
        },
    )
    return cart


def _buyer(*, cart: Cart, email: str, phone: str, contact_name: str) -> Customer:
    """Whose order this is: a logged-in shopper's own profile, else the typed contact's.

    A logged-in shopper may type any phone or email (a gift, a relative who receives the
    parcel): it is recorded on the cart and the order, but never resolves to the profile
    that holds it, so that profile's points, orders and history stay out of reach
    (DESIGN.md invariant 10). Nor is it added to the shopper's profile: a detail nobody
    has proven must not block its owner's own sign-up.
    """
    own = _own_profile(cart)
    if own is not None:
        return own
    return customer_resolve(
        email=email or None, phone=phone or None, channel=cart.channel, full_name=contact_name
    )


def _own_profile(cart: Cart) -> Customer | None:
    """The live profile of the cart's login, if it has one."""
    if cart.user_id is None:
        return None
    own = Customer.objects.filter(user_id=cart.user_id).first()
    if own is None or own.erased_at or own.merged_into_id:
        return None
    return own


def _checkout_hold(*, cart, lines, fulfilment, pickup_location) -> tuple[str, timedelta]:
    """Replace the locked cart's hold by a new one; returns its reference and lifetime."""
    if cart.hold_reference:
        reservation_release(reference=cart.hold_reference)
    attempt = int(cart.hold_reference.rsplit(":", 1)[-1]) + 1 if cart.hold_reference else 1
    reference = f"cart:{cart.token}:{attempt}"
    ttl = timedelta(minutes=settings.STOCK_HOLD_MINUTES)
    try:
        stock_reserve(
            channel=cart.channel,
            lines=[StockLine(sku=line.variant.sku, quantity=line.quantity) for line in lines],
            reference=reference,
            kind=Reservation.Kind.HOLD,
            location=pickup_location,
            ttl=ttl,
        )
    except Exception as error:
        if fulfilment == Fulfilment.PICKUP and getattr(error, "code", "") in {
            "insufficient_stock",
            "channel_location_mismatch",
        }:
            raise PickupStoreUnavailable(fields=getattr(error, "fields", {})) from error
        raise
    return reference, ttl


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
        cart = locks.cart_lock(cart_id=cart.pk)
        if cart.status != Cart.Status.OPEN:
            return cart.order
        channel = cart.channel
        lines = list(cart.lines.select_related("variant"))
        pricing = Pricing(
            currency=channel.currency,
            lines=lines_price(
                channel=channel,
                lines=[LineInput(sku=line.variant.sku, quantity=line.quantity) for line in lines],
            ),
            points=points,
        )
        if referral_code.strip():
            referral_apply(customer=cart.customer, code=referral_code)
        pricing.bundles = bundles_find(channel=channel, lines=pricing.lines)
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
            payment_due_at=_payment_due_at(
                status=status, method=payment_method, placed_at=placed_at
            ),
            contact_name=cart.contact_name,
            contact_email=cart.contact_email,
            contact_phone=cart.contact_phone,
            shipping_address=cart.shipping_address,
        )
        cart.status = Cart.Status.CONVERTED
        cart.order = order
        cart.save(update_fields=["status", "order", "updated_at"])
        rollup_order_placed(order=order, lines=order.lines.all())  # last: see services.rollups
    return order


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
