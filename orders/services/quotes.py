"""Quotes: staff promise one customer prices for a while; the customer takes them up once.

Made in the admin or at a till (``quote_create``), sent (``quote_send``: the customer sees
it in their web account), then taken up once, either online (``quote_cart_open`` gives the
quote its own cart, which the ordinary checkout holds and places at the quoted prices) or
at the till (``orders.services.pos.pos_sale_submit`` with ``quote=``). Both take the quote
through :func:`quote_take_lock`, in the placing transaction: an expired, cancelled or
already ordered quote is refused there, whatever the page showed, and of two checkouts of
one quote at once the second finds it ordered.

A quote holds no stock: the checkout's hold or the till's sale takes it, and may be refused
("only N left") like any other.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from customers.models import Customer, Event
from customers.services import event_record
from inventory.models import Location, SalesChannel
from orders import locks
from orders.exceptions import (
    OrderLinesInvalid,
    QuoteExpired,
    QuoteInvalid,
    QuoteNotFound,
    QuoteUnavailable,
)
from orders.models import Cart, CartLine, Order, Quote, QuoteLine
from orders.services.placing import LineInput, PricedLine, lines_price

QUOTE_DEFAULT_VALID_DAYS = 7
QUOTE_MAX_VALID_DAYS = 90


@dataclass(frozen=True)
class QuoteLineInput:
    sku: str
    quantity: int
    unit_price_amount: Decimal


@dataclass(frozen=True)
class QuoteSaving:
    """The quote's discount, spread by the pricing over every line like a combo's saving
    (``orders.services.placing.discounts_apply`` reads ``saving_amount`` and ``covered``)."""

    saving_amount: Decimal
    covered: dict[int, int] = field(default_factory=dict)
    times: int = 1
    bundle: None = None


def quote_create(
    *,
    customer: Customer,
    location: Location,
    lines: list[QuoteLineInput],
    discount_amount: Decimal = Decimal(0),
    expires_at: datetime | None = None,
    note: str = "",
    created_by=None,
    terminal=None,
    send: bool = False,
) -> Quote:
    """A quote for ``customer`` at ``location`` (sent at once with ``send``).

    Refused, naming the field, with no line, a quantity under 1, an unknown or no longer
    sold SKU, a negative price, a discount above the lines' total or a validity that is
    past or beyond ``QUOTE_MAX_VALID_DAYS``. Nothing is written then.
    """
    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=QUOTE_DEFAULT_VALID_DAYS)
    variants = _lines_check(lines)
    subtotal = sum((line.unit_price_amount * line.quantity for line in lines), Decimal(0))
    _terms_check(
        customer=customer,
        subtotal=subtotal,
        discount_amount=discount_amount,
        expires_at=expires_at,
        now=now,
    )
    with transaction.atomic():
        quote = Quote.objects.create(
            customer=customer,
            location=location,
            discount_amount=discount_amount,
            expires_at=expires_at,
            note=note,
            created_by=created_by,
            terminal=terminal,
        )
        QuoteLine.objects.bulk_create(
            [
                QuoteLine(
                    quote=quote,
                    variant=variants[line.sku],
                    quantity=line.quantity,
                    unit_price_amount=line.unit_price_amount,
                )
                for line in lines
            ]
        )
        quote_number_assign(quote=quote)
        if send:
            quote = quote_send(quote=quote)
    return quote


def _lines_check(lines: list[QuoteLineInput]) -> dict:
    if not lines:
        raise QuoteInvalid(_("A quote needs at least one line."), fields={"lines": [_("Empty.")]})
    skus = [line.sku for line in lines]
    if len(set(skus)) != len(skus):
        raise QuoteInvalid(fields={"lines": [_("Give each product once.")]})
    if any(line.unit_price_amount is None or line.unit_price_amount < 0 for line in lines):
        raise QuoteInvalid(fields={"lines": [_("A quoted price cannot be negative.")]})
    try:
        priced = lines_price(
            channel=SalesChannel(currency=Quote._meta.get_field("currency").default),
            lines=[
                LineInput(sku=line.sku, quantity=line.quantity, unit_price_amount=Decimal(0))
                for line in lines
            ],
            trust_client_prices=True,
        )
    except OrderLinesInvalid as error:
        raise QuoteInvalid(error.detail, fields=error.fields) from error
    variants = {line.variant.sku: line.variant for line in priced}
    inactive = sorted(
        sku for sku, v in variants.items() if not (v.is_active and v.product.is_active)
    )
    if inactive:
        raise QuoteInvalid(
            _("No longer sold: %(skus)s.") % {"skus": ", ".join(inactive)},
            fields={sku: [_("No longer sold.")] for sku in inactive},
        )
    return variants


def _terms_check(*, customer, subtotal, discount_amount, expires_at, now) -> None:
    errors = {}
    if customer is None or customer.erased_at or customer.merged_into_id:
        errors["customer"] = [_("Choose a customer.")]
    if discount_amount < 0 or discount_amount > subtotal:
        errors["discount_amount"] = [
            _("Between 0 and the lines' total (%(total)s).") % {"total": subtotal}
        ]
    if expires_at <= now:
        errors["expires_at"] = [_("The validity must end in the future.")]
    elif expires_at > now + timedelta(days=QUOTE_MAX_VALID_DAYS):
        errors["expires_at"] = [
            _("At most %(days)d days from today.") % {"days": QUOTE_MAX_VALID_DAYS}
        ]
    if errors:
        raise QuoteInvalid(fields=errors)


def quote_number_assign(*, quote: Quote) -> Quote:
    """Give a new quote its number from its id (BG-000042), once."""
    if not quote.number:
        quote.number = f"BG-{quote.pk:06d}"
        Quote.objects.filter(pk=quote.pk, number__isnull=True).update(number=quote.number)
    return quote


@transaction.atomic
def quote_send(*, quote: Quote) -> Quote:
    """A draft becomes visible to its customer (web account, till). Refused when it has no
    line or has expired."""
    quote = locks.quote_lock(quote_id=quote.pk)
    if quote.status != Quote.Status.DRAFT:
        raise QuoteUnavailable(_("Only a draft quote can be sent."))
    if quote.lapsed():
        raise QuoteExpired(fields={"expires_at": [_("Set a later date, then send.")]})
    if not quote.lines.exists():
        raise QuoteInvalid(fields={"lines": [_("Add at least one line.")]})
    if quote.discount_amount > quote.subtotal_amount:
        raise QuoteInvalid(
            fields={
                "discount_amount": [
                    _("Between 0 and the lines' total (%(total)s).")
                    % {"total": money_round(quote.subtotal_amount, quote.currency)}
                ]
            }
        )
    quote.status = Quote.Status.SENT
    quote.sent_at = timezone.now()
    quote.save(update_fields=["status", "sent_at", "updated_at"])
    _quote_sent_record(quote)
    return quote


def _quote_sent_record(quote: Quote) -> None:
    """``quote_sent`` on the customer's timeline, with the quote's number, total and lines
    (ids and amounts only: no personal data in a payload)."""
    lines = list(quote.lines.select_related("variant"))
    event_record(
        customer=quote.customer,
        kind=Event.Kind.QUOTE_SENT,
        location=quote.location,
        occurred_at=quote.sent_at,
        payload={
            "quote_id": quote.pk,
            "number": quote.number,
            "total_amount": str(quote.total_amount),
            "discount_amount": str(quote.discount_amount),
            "currency": quote.currency,
            "expires_at": quote.expires_at.isoformat(),
            "lines": [
                {
                    "variant_id": line.variant_id,
                    "product_id": line.variant.product_id,
                    "sku": line.variant.sku,
                    "quantity": line.quantity,
                    "unit_price_amount": str(line.unit_price_amount),
                }
                for line in lines
            ],
        },
    )


@transaction.atomic
def quote_cancel(*, quote: Quote) -> Quote:
    """Withdraw a quote not taken up yet; an open checkout of it is then refused."""
    quote = locks.quote_lock(quote_id=quote.pk)
    if quote.status in (Quote.Status.ACCEPTED, Quote.Status.CANCELLED):
        raise QuoteUnavailable()
    quote.status = Quote.Status.CANCELLED
    quote.cancelled_at = timezone.now()
    quote.save(update_fields=["status", "cancelled_at", "updated_at"])
    return quote


def quotes_expire(*, now: datetime | None = None) -> int:
    """Mark drafts and sent quotes past their validity expired; returns how many.

    Only bookkeeping: a lapsed quote is refused at checkout whether or not this ran.
    """
    return Quote.objects.filter(
        status__in=[Quote.Status.DRAFT, Quote.Status.SENT],
        expires_at__lte=now or timezone.now(),
    ).update(status=Quote.Status.EXPIRED, updated_at=timezone.now())


def quote_usable_check(*, quote: Quote, now: datetime | None = None) -> None:
    """Refuse a quote that cannot be ordered (any more): the message says why."""
    if quote.status == Quote.Status.EXPIRED or (
        quote.status == Quote.Status.SENT and quote.lapsed(now)
    ):
        raise QuoteExpired()
    if quote.status != Quote.Status.SENT:
        raise QuoteUnavailable()


def quote_take_lock(*, quote_id: int, customer_id: int | None) -> Quote:
    """Lock the quote being ordered and check, under the lock, that it still may be.

    In the placing transaction (web or till), after the cart and before the channel's
    number: of two checkouts of one quote, the second waits here and is refused.
    """
    quote = locks.quote_lock(quote_id=quote_id)
    if customer_id != quote.customer_id:
        raise QuoteNotFound()
    quote_usable_check(quote=quote)
    return quote


def quote_lines_price(*, quote: Quote, channel: SalesChannel) -> list[PricedLine]:
    """The quote's lines at their quoted prices; a product no longer sold is refused."""
    rows = list(quote.lines.select_related("variant"))
    priced = lines_price(
        channel=channel,
        lines=[
            LineInput(
                sku=row.variant.sku, quantity=row.quantity, unit_price_amount=row.unit_price_amount
            )
            for row in rows
        ],
        trust_client_prices=True,
    )
    inactive = sorted(
        line.variant.sku
        for line in priced
        if not (line.variant.is_active and line.variant.product.is_active)
    )
    if inactive:
        raise OrderLinesInvalid(
            _("No longer sold: %(skus)s.") % {"skus": ", ".join(inactive)},
            fields={sku: [_("No longer sold.")] for sku in inactive},
        )
    return priced


def quote_savings(*, quote: Quote, lines: list[PricedLine]) -> list[QuoteSaving]:
    """The quote's discount as a saving over all its lines (none when it has none)."""
    discount = money_round(quote.discount_amount, quote.currency)
    gross = sum((line.gross_amount for line in lines), Decimal(0))
    if discount <= 0 or gross <= 0:
        return []
    return [
        QuoteSaving(
            saving_amount=min(discount, gross),
            covered={line.variant.pk: line.quantity for line in lines},
        )
    ]


def quote_lines_as_sale(*, quote: Quote) -> list[LineInput]:
    """The quote's lines as a sale's lines (SKU, quantity, quoted price)."""
    return [
        LineInput(
            sku=row.variant.sku, quantity=row.quantity, unit_price_amount=row.unit_price_amount
        )
        for row in quote.lines.select_related("variant")
    ]


def quote_accept(*, quote: Quote, order: Order) -> Quote:
    """Inside the placing transaction, with the quote locked: it is taken up by ``order``."""
    quote.status = Quote.Status.ACCEPTED
    quote.order = order
    quote.accepted_at = timezone.now()
    quote.save(update_fields=["status", "order", "accepted_at", "updated_at"])
    return quote


def quote_cart_open(*, quote: Quote, user, channel: SalesChannel) -> Cart:
    """The cart that checks ``quote`` out online: its lines are the quote's.

    One open cart per quote (a unique index): a second click, or a second browser, gets the
    same cart. The shopper's own cart is left as it was. Refused when the quote is expired,
    ordered or withdrawn, or is not the logged-in shopper's (``QuoteNotFound``).
    """
    customer = getattr(user, "customer", None)
    if customer is None or customer.pk != quote.customer_id:
        raise QuoteNotFound()
    quote_usable_check(quote=quote)
    cart = Cart.objects.filter(quote=quote, status=Cart.Status.OPEN).first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            cart = Cart.objects.create(channel=channel, user=user, customer=customer, quote=quote)
            CartLine.objects.bulk_create(
                [
                    CartLine(cart=cart, variant_id=row.variant_id, quantity=row.quantity)
                    for row in quote.lines.all()
                ]
            )
    except IntegrityError:
        # The same quote's cart was opened meanwhile (double click): use that one.
        cart = Cart.objects.get(quote=quote, status=Cart.Status.OPEN)
    return cart
