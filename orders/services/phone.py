"""Phone and chat orders: staff take an order for a customer on the line.

The order goes through the web checkout's own steps, in one transaction: the customer is
found or created by phone (one profile per phone), the lines are checked against what the
phone channel may sell ("only N left", as on the web), the stock is held for the cart and
converted by :func:`orders.services.checkout.order_place_write`, which prices it, applies
the voucher, writes the order, its payment and its timeline event (the flows' exits
count an order of any channel). Any refusal leaves nothing written.

The staff screen sends each form once: :func:`phone_order_place_once` files the order under
the form's one-time id (``Order.client_uuid``, unique), so a double click or a browser's
resubmit answers with the order the first submission placed instead of placing a second.
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.api.errors import DomainError
from customers.services import customer_resolve
from inventory.models import Location, SalesChannel, Variant
from orders.exceptions import CheckoutIncomplete, OrderLinesInvalid, OrdersError
from orders.models import Cart, CartLine, Fulfilment, Order, Payment
from orders.services.checkout import (
    checkout_contact_clean,
    checkout_hold,
    order_place_write,
    quantity_available_check,
)
from orders.services.placing import LineInput, lines_price

PHONE_PAYMENT_METHODS = (Payment.Method.COD, Payment.Method.BANK_TRANSFER)


class PhoneChannelMissing(OrdersError):
    code = "phone_channel_missing"
    status_code = 409
    default_detail = _(
        "There is no active phone sales channel; ask the owner to add one (kind: phone)."
    )


@dataclass(frozen=True)
class PhoneLine:
    sku: str
    quantity: int


def phone_channel() -> SalesChannel:
    """The phone orders' channel (the first active one of kind phone)."""
    channel = SalesChannel.objects.filter(kind=SalesChannel.Kind.PHONE, is_active=True).first()
    if channel is None:
        raise PhoneChannelMissing()
    return channel


def phone_order_place(
    *,
    phone: str,
    full_name: str,
    lines: list[PhoneLine],
    fulfilment: str,
    payment_method: str,
    pickup_location: Location | None = None,
    shipping_address: dict | None = None,
    voucher_code: str = "",
    note: str = "",
    channel: SalesChannel | None = None,
    client_uuid: uuid.UUID | None = None,
) -> Order:
    """Place an order taken on the phone; refusals name the field, nothing is written.

    ``client_uuid`` (the form's one-time id) is stored on the order, whose unique index
    refuses a second order under it (see :func:`phone_order_place_once`).
    """
    channel = channel or phone_channel()
    if payment_method not in PHONE_PAYMENT_METHODS:
        raise CheckoutIncomplete(
            fields={"payment_method": [_("Cash on delivery or bank transfer.")]}
        )
    if not phone.strip():
        raise CheckoutIncomplete(fields={"contact_phone": [_("Give the customer's phone.")]})
    _email, phone, address = checkout_contact_clean(
        contact_email="",
        contact_phone=phone,
        fulfilment=fulfilment,
        pickup_location=pickup_location,
        shipping_address=shipping_address,
    )
    priced = lines_price(channel=channel, lines=_canonical_lines(lines))
    for line in priced:
        quantity_available_check(channel=channel, variant=line.variant, quantity=line.quantity)
    pickup_at = pickup_location if fulfilment == Fulfilment.PICKUP else None
    with transaction.atomic(durable=True):
        cart = Cart.objects.create(
            channel=channel,
            contact_name=full_name,
            contact_phone=phone,
            fulfilment=fulfilment,
            pickup_location=pickup_at,
            shipping_address=address if fulfilment == Fulfilment.SHIP else {},
        )
        rows = CartLine.objects.bulk_create(
            [CartLine(cart=cart, variant=line.variant, quantity=line.quantity) for line in priced]
        )
        # The stock first (held as the web's checkout holds it; the check above was a
        # read), then the customer's profile, then the order: the checkout's lock order.
        reference, ttl = checkout_hold(
            cart=cart, lines=rows, fulfilment=fulfilment, pickup_location=pickup_at
        )
        cart.customer = customer_resolve(phone=phone, channel=channel, full_name=full_name)
        cart.hold_reference = reference
        cart.hold_expires_at = timezone.now() + ttl
        cart.save(update_fields=["customer", "hold_reference", "hold_expires_at", "updated_at"])
        order = order_place_write(
            cart=cart, payment_method=payment_method, voucher_code=voucher_code, note=note
        )
        if client_uuid is not None:
            # Last, in the order's transaction: a twin submission still running waits here
            # on the unique index until this one commits, then fails and rolls back whole.
            Order.objects.filter(pk=order.pk).update(client_uuid=client_uuid)
            order.client_uuid = client_uuid
        return order


def phone_order_placed(*, client_uuid: uuid.UUID) -> Order | None:
    """The order a phone order form with this one-time id placed, if any."""
    return Order.objects.filter(client_uuid=client_uuid).first()


def phone_order_place_once(*, client_uuid: uuid.UUID, **fields) -> tuple[Order, bool]:
    """:func:`phone_order_place` for one submitted form: ``(order, True)`` when this call
    placed it, ``(the first order, False)`` when the same form was sent before (a double
    click, a resubmit), even while both are running: one order, one stock hold."""
    placed = phone_order_placed(client_uuid=client_uuid)
    if placed is not None:
        return placed, False
    try:
        return phone_order_place(client_uuid=client_uuid, **fields), True
    except (IntegrityError, DomainError):
        # The twin committed first. It surfaces at the unique index, or as a refusal when
        # this one, waiting on the stock, then counted the twin's units as gone.
        placed = phone_order_placed(client_uuid=client_uuid)
        if placed is None:
            raise
        return placed, False


def _canonical_lines(lines: list[PhoneLine]) -> list[LineInput]:
    """The typed SKUs as the catalog spells them (staff type them in any case)."""
    typed = {line.sku.strip() for line in lines if line.sku.strip()}
    if not typed:
        raise OrderLinesInvalid(
            _("An order needs at least one line."), fields={"lines": [_("Empty.")]}
        )
    query = Q()
    for sku in typed:
        query |= Q(sku__iexact=sku)
    spelled = {
        sku.casefold(): sku for sku in Variant.objects.filter(query).values_list("sku", flat=True)
    }
    return [
        LineInput(
            sku=spelled.get(line.sku.strip().casefold(), line.sku.strip()), quantity=line.quantity
        )
        for line in lines
    ]
