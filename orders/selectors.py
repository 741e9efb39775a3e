"""Shared reads of the orders app, returning querysets with their joins already set."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.compiled import CompiledQuery, row_instance, row_json
from inventory.models import Location, SalesChannel
from orders.exceptions import CashierNotAllowed, WebCartNotFound
from orders.models import (
    Bundle,
    BundleItem,
    Cart,
    CartLine,
    CustomerLookup,
    Order,
    Quote,
    QuoteLine,
    Shift,
    Terminal,
)


def terminal_by_token(*, token: str) -> Terminal | None:
    """The terminal of an API token, with its store, ``open_shift_id`` (its open shift's
    id or None) and its store's POS channel (``pos_channel_get`` builds it from
    ``pos_channel_row``), all read in the same query: a sale needs no other read for them.
    Every till request starts here, so the query is compiled once per process."""
    terminal = next(iter(_TERMINAL_BY_TOKEN.run(token_hash=Terminal.hash_token(token))), None)
    if terminal is not None:
        terminal.location = row_instance(Location, terminal.location_row)
    return terminal


def _terminal_by_token(*, token_hash: str) -> QuerySet[Terminal]:
    open_shift = Shift.objects.filter(terminal=OuterRef("pk"), closed_at__isnull=True).values("pk")[
        :1
    ]
    channel = _pos_channels(location_id=OuterRef("location_id"))
    return Terminal.objects.annotate(
        open_shift_id=Subquery(open_shift),
        # One subquery for the whole row (as JSON): nine column subqueries cost the
        # server more planning than a second statement would.
        pos_channel_row=Subquery(channel.values(row=row_json(SalesChannel))[:1]),
        location_row=row_json(Location, prefix="location__"),
    ).filter(token_hash=token_hash, revoked_at__isnull=True, location__is_active=True)[:1]


# The sample is a stand-in the compiler replaces, no secret.
_TERMINAL_BY_TOKEN = CompiledQuery(_terminal_by_token, token_hash="compiled: hash")  # noqa: S106


def pos_cashier_get(*, terminal: Terminal, cashier_id: int):
    """The staff member ringing up at ``terminal``: an active staff account, or
    CashierNotAllowed naming ``cashier_id``. (What they may do at the till is the
    services' concern: opening a shift also needs ``orders.add_shift``.)"""
    cashier = get_user_model().objects.filter(pk=cashier_id, is_active=True, is_staff=True).first()
    if cashier is None:
        raise CashierNotAllowed(fields={"cashier_id": [_("No active staff member has this id.")]})
    return cashier


def _pos_channels(*, location_id) -> QuerySet[SalesChannel]:
    return SalesChannel.objects.filter(
        kind=SalesChannel.Kind.POS, is_active=True, channel_locations__location_id=location_id
    ).order_by("pk")


def pos_channel_get(*, terminal: Terminal) -> SalesChannel | None:
    """The active POS sales channel of the terminal's store (each store has one), or None:
    as the API's authentication read it with the terminal, or read now."""
    if hasattr(terminal, "pos_channel_row"):
        row = terminal.pos_channel_row
        return None if row is None else row_instance(SalesChannel, row)
    return _pos_channels(location_id=terminal.location_id).first()


def shift_open_id(*, terminal: Terminal) -> int | None:
    """The id of the terminal's open shift, if any, not locked (``locks.shift_open_lock``
    locks it): as the API's authentication read it, or read now."""
    if hasattr(terminal, "open_shift_id"):
        return terminal.open_shift_id
    return (
        Shift.objects.filter(terminal_id=terminal.pk, closed_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )


def shift_list(*, terminal: Terminal | None = None) -> QuerySet[Shift]:
    shifts = Shift.objects.select_related("cashier", "terminal__location").prefetch_related(
        "cash_movements"
    )
    return shifts.filter(terminal=terminal) if terminal is not None else shifts


def shift_for_store(*, location_id: int) -> QuerySet[Shift]:
    """Shifts of one store: a terminal sees its own store's shifts and nothing else."""
    return shift_list().filter(terminal__location_id=location_id)


def order_list() -> QuerySet[Order]:
    return Order.objects.select_related("channel", "location").prefetch_related("lines", "payments")


def order_for_store(*, location_id: int) -> QuerySet[Order]:
    """Orders a store's terminal may see: sold there, or to be picked up there."""
    return order_list().filter(location_id=location_id)


def cart_open_for_customer(*, customer) -> Cart | None:
    """The shopper's latest open web cart, so a cashier can ring it up at the till."""
    return (
        Cart.objects.filter(
            customer=customer, status=Cart.Status.OPEN, quote__isnull=True, lines__isnull=False
        )
        .prefetch_related(
            Prefetch("lines", queryset=CartLine.objects.select_related("variant__product"))
        )
        .order_by("-updated_at")
        .distinct()
        .first()
    )


def cart_open_for_sale(*, token, customer, client_uuid=None) -> Cart:
    """The customer's open web cart with ``token``, being rung up at the till (or the one a
    sale with ``client_uuid`` already closed: its replay); a ``WebCartNotFound`` naming
    ``web_cart_token`` for any other (or without a customer)."""
    cart = (
        Cart.objects.filter(token=token, customer=customer, quote__isnull=True)
        .select_related("order")
        .first()
        if customer is not None
        else None
    )
    if cart is not None and (
        cart.status == Cart.Status.OPEN
        or (cart.order is not None and client_uuid and cart.order.client_uuid == client_uuid)
    ):
        return cart
    raise WebCartNotFound(fields={"web_cart_token": [WebCartNotFound.default_detail]})


def cart_open(*, user=None, token=None) -> Cart | None:
    """The open cart of a logged-in shopper, or of a guest by the token in their session.

    Never a quote's cart (``orders.services.quotes.quote_cart_open``): that one is reached
    through its quote."""
    carts = Cart.objects.filter(status=Cart.Status.OPEN, quote__isnull=True)
    if user is not None and user.is_authenticated:
        return carts.filter(user=user).first()
    if token:
        return carts.filter(token=token, user__isnull=True).first()
    return None


def cart_item_count(*, cart: Cart | None) -> int:
    if cart is None:
        return 0
    return cart.lines.aggregate(total=Sum("quantity"))["total"] or 0


def cart_count_for_header(*, user=None, token=None) -> int:
    """How many items the header shows. Read only: it never creates or merges a cart.

    A logged-in shopper whose session still holds a guest cart (just logged in, no cart or
    checkout page seen yet) sees the count that merge will give: per variant, the larger
    of the two quantities.
    """
    guest = cart_open(token=token) if token else None
    if user is None or not user.is_authenticated:
        return cart_item_count(cart=guest)
    account = cart_open(user=user)
    if guest is None:
        return cart_item_count(cart=account)
    carts = [cart.pk for cart in (account, guest) if cart is not None]
    quantities: dict[int, int] = {}
    for variant_id, quantity in CartLine.objects.filter(cart__in=carts).values_list(
        "variant_id", "quantity"
    ):
        quantities[variant_id] = max(quantities.get(variant_id, 0), quantity)
    return sum(quantities.values())


def customer_looked_up_recently(*, terminal: Terminal, customer_id: int) -> bool:
    """Whether this terminal found this profile by phone or email within
    ``POS_CUSTOMER_ACCESS_MINUTES`` (the only way a till reaches a profile by id)."""
    since = timezone.now() - timedelta(minutes=settings.POS_CUSTOMER_ACCESS_MINUTES)
    return CustomerLookup.objects.filter(
        terminal=terminal, customer_id=customer_id, looked_up_at__gte=since
    ).exists()


# --- Signed links the flows send (pay again) -----------------------------------------------

ORDER_PAY_SALT = "order-pay"
ORDER_PAY_MAX_AGE = timedelta(days=30)


def order_pay_link_path(*, order: Order) -> str:
    """The signed path of ``order``'s "pay again" page: whoever has it may pay the order."""
    token = signing.dumps(order.pk, salt=ORDER_PAY_SALT, compress=True)
    return reverse("shop:order-pay", args=[token])


def order_pay_token_read(*, token: str) -> int:
    """The order id in a pay-again token; raises ``signing.BadSignature`` when tampered."""
    return signing.loads(token, salt=ORDER_PAY_SALT, max_age=ORDER_PAY_MAX_AGE)


# --- Combos ----------------------------------------------------------------------------------

BUNDLE_LINK_SALT = "bundle-link"


def bundles_live(*, channel: SalesChannel | None = None, now: datetime | None = None):
    """Active bundles inside their window (and for ``channel``, when given), items loaded."""
    now = now or timezone.now()
    bundles = Bundle.objects.filter(is_active=True).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now),
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
    )
    if channel is not None:
        bundles = bundles.filter(Q(channels__isnull=True) | Q(channels=channel)).distinct()
    return bundles.prefetch_related(
        Prefetch("items", queryset=BundleItem.objects.select_related("variant__product"))
    )


def bundle_for_variants(*, variant_ids) -> Bundle | None:
    """An active bundle holding any of these variants: the one holding most of them first,
    then the newest. For the cart-recovery flow's combo offer."""
    variant_ids = list(variant_ids)
    if not variant_ids:
        return None
    return (
        bundles_live()
        .annotate(matched=Count("items", filter=Q(items__variant_id__in=variant_ids)))
        .filter(matched__gt=0)
        .order_by("-matched", "-created_at", "-pk")
        .first()
    )


def bundle_link_path(*, bundle: Bundle) -> str:
    """The signed path of ``bundle``'s combo page, which fills the cart with its items."""
    token = signing.dumps(bundle.pk, salt=BUNDLE_LINK_SALT, compress=True)
    return reverse("shop:combo", args=[token])


def bundle_token_read(*, token: str) -> int:
    """The bundle id in a combo token; raises ``signing.BadSignature`` when tampered."""
    return signing.loads(token, salt=BUNDLE_LINK_SALT)


def quote_list() -> QuerySet[Quote]:
    """Quotes with what their pages show: customer, store, lines and their variants."""
    return Quote.objects.select_related("customer", "location", "order").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.select_related("variant__product"))
    )


def quote_list_for_customer(*, customer) -> QuerySet[Quote]:
    """The quotes a shopper sees in their account: every one sent to them (not drafts)."""
    if customer is None:
        return Quote.objects.none()
    return quote_list().filter(customer=customer).exclude(status=Quote.Status.DRAFT)


def quote_for_store(*, location_id: int) -> QuerySet[Quote]:
    """The quotes a store's till may read and ring up: its own store's."""
    return quote_list().filter(location_id=location_id)
