"""The web store's cart: the shopper's open cart, its lines, the merge at login, and the
cart the till sells (a customer's web cart rung up in the showroom).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Event
from customers.services import event_record
from inventory.models import SalesChannel, Variant
from inventory.selectors import variant_available_to_sell
from inventory.services import reservation_release
from orders import locks
from orders.exceptions import CartQuantityUnavailable, CheckoutIncomplete, OrderLinesInvalid
from orders.models import Cart, CartLine, Order

CART_MAX_QUANTITY = 99


def web_channel() -> SalesChannel:
    """The web store's channel (the first active one of kind web)."""
    channel = SalesChannel.objects.filter(kind=SalesChannel.Kind.WEB, is_active=True).first()
    if channel is None:
        raise CheckoutIncomplete(_("The web store has no active sales channel."))
    return channel


def cart_get_or_create(*, user=None, token=None, channel: SalesChannel | None = None) -> Cart:
    """The shopper's open cart: the account's when logged in, else the session's guest cart."""
    # A quote's cart (orders.services.quotes) is not the shopper's cart.
    carts = Cart.objects.filter(status=Cart.Status.OPEN, quote__isnull=True)
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


def _available(*, channel: SalesChannel, variant_ids) -> dict[int, int]:
    return dict(
        variant_available_to_sell(channel=channel)
        .filter(pk__in=variant_ids)
        .values_list("pk", "available_to_sell")
    )


def quantity_available_check(*, channel: SalesChannel, variant: Variant, quantity: int) -> None:
    """Refuse, with the number left, a quantity ``channel`` cannot sell now (a read: the
    hold or the sale takes the stock atomically later). The web's cart and the phone order
    give the same answer."""
    available = _available(channel=channel, variant_ids=[variant.pk]).get(variant.pk, 0)
    if quantity > available:
        raise CartQuantityUnavailable(
            _("Only %(count)d of %(name)s left.")
            % {"count": available, "name": variant.display_name}
            if available
            else _("%(name)s is sold out.") % {"name": variant.display_name},
            fields={"quantity": [_("%(count)d left.") % {"count": available}]},
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
    if cart.quote_id:
        raise OrderLinesInvalid(_("A quote is ordered as quoted; its lines cannot change."))
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
        quantity_available_check(channel=cart.channel, variant=variant, quantity=quantity)
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


def cart_sell_at_till_lock(*, cart_id: int) -> Cart | None:
    """At the till, in the sale's transaction and before its number: lock the customer's
    web cart being rung up and let go of its checkout hold, so the sale can take those
    units. ``None`` when the cart is no longer open (ordered online meanwhile)."""
    cart = locks.cart_lock(cart_id=cart_id)
    if cart.status != Cart.Status.OPEN or cart.quote_id:
        return None
    if cart.hold_reference:
        reservation_release(reference=cart.hold_reference)
        cart.hold_reference = ""
        cart.hold_expires_at = None
    return cart


def cart_sold_at_till(*, cart: Cart, order: Order) -> None:
    """The web cart became ``order`` at the till: closed, no longer shown or recovered."""
    cart.status = Cart.Status.CONVERTED
    cart.order = order
    cart.save(update_fields=["status", "order", "hold_reference", "hold_expires_at", "updated_at"])
