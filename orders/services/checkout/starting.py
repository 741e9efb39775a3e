"""Starting checkout: who is buying (the contact resolved to a customer profile), the
delivery checked, and the cart's stock held for ``STOCK_HOLD_MINUTES`` while they pay.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.contacts import normalize_email, normalize_phone
from customers.exceptions import AddressInvalid, InvalidContactPoint
from customers.models import Customer, Event
from customers.services import address_clean, customer_resolve, event_record
from inventory.models import Location, Reservation
from inventory.services import StockLine, reservation_release, stock_reserve
from orders import locks
from orders.exceptions import CartEmpty, CheckoutIncomplete, PickupStoreUnavailable
from orders.models import Cart, Fulfilment
from orders.services.checkout.carts import cart_event_payload
from orders.services.quotes import quote_usable_check


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
    if cart.quote_id:
        # Told now, not only when placing (where it is checked again, under the lock).
        quote_usable_check(quote=cart.quote)
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


def checkout_contact_clean(**kwargs) -> tuple[str, str, dict]:
    """The checkout's contact and delivery checks (:func:`_checkout_clean`), for the phone
    order page: the same answers as the web's."""
    return _checkout_clean(**kwargs)


def checkout_hold(*, cart, lines, fulfilment, pickup_location) -> tuple[str, timedelta]:
    """The checkout's stock hold (:func:`_checkout_hold`), in the caller's transaction."""
    return _checkout_hold(
        cart=cart, lines=lines, fulfilment=fulfilment, pickup_location=pickup_location
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
