"""Vouchers: quote a code at checkout, take its usage when the order is placed, give it back.

``voucher_quote`` is a read: it says whether a code applies to this cart and what it takes
off. ``voucher_redeem`` runs inside the order's transaction and takes the usage under the
voucher's row lock, so the total limit, the per-customer limit and a single-use code hold
even when many checkouts race for the last use. ``voucher_release`` undoes it when the
order is cancelled.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from config.money import MINOR_UNIT_EXPONENTS, money_round
from inventory.models import SalesChannel
from orders import locks
from orders.exceptions import (
    VoucherChannelInvalid,
    VoucherCodeNotYours,
    VoucherCodesRequestInvalid,
    VoucherCodeUsed,
    VoucherCustomerLimitReached,
    VoucherExpired,
    VoucherFirstOrderOnly,
    VoucherInactive,
    VoucherMinimumNotMet,
    VoucherNotStarted,
    VoucherUnknown,
    VoucherUsedUp,
)
from orders.models import Order, Voucher, VoucherCode, VoucherRedemption
from orders.statuses import OrderStatus

# No 0/O, 1/I (nor L): a code read aloud at the till or copied from a printed card
# cannot be mistaken for another one.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_RANDOM_LENGTH = 10  # 31**10 ≈ 8e14 codes: collisions are rare and retried
CODE_PREFIX_PATTERN = re.compile(r"^[A-Z0-9-]{0,20}$")
CODES_MAX_COUNT = 100_000
CODES_BATCH_SIZE = 1000
CODES_BATCH_ATTEMPTS = 5


@dataclass(frozen=True)
class VoucherQuote:
    """What a code takes off one cart; handed to ``voucher_redeem`` when the order is placed."""

    voucher: Voucher
    voucher_code: VoucherCode | None
    discount_amount: Decimal

    @property
    def code(self) -> str:
        """The code as the shopper typed it, normalised (what the order records)."""
        return self.voucher_code.code if self.voucher_code else self.voucher.code


def voucher_code_normalize(code: str) -> str:
    """Codes are matched case-insensitively after trimming, and stored upper-case."""
    return (code or "").strip().upper()


def voucher_quote(
    *,
    code: str,
    channel: SalesChannel,
    customer,
    subtotal_amount: Decimal,
    now: datetime | None = None,
) -> VoucherQuote:
    """Check ``code`` for this cart and compute its discount. Reads only; raises VoucherInvalid.

    The limits checked here can change before the order is placed; ``voucher_redeem``
    checks them again under the lock.
    """
    now = now or timezone.now()
    voucher, voucher_code = _voucher_find(code=code)
    _check_validity(voucher=voucher, voucher_code=voucher_code, now=now)
    channel_ids = list(voucher.channels.values_list("pk", flat=True))
    if channel_ids and channel.pk not in channel_ids:
        raise VoucherChannelInvalid(
            _("This voucher cannot be used on %(channel)s.") % {"channel": channel.name}
        )
    _check_usage(voucher=voucher, customer=customer)
    _check_customer(voucher=voucher, voucher_code=voucher_code, customer=customer, order=None)
    subtotal_amount = Decimal(subtotal_amount)
    if subtotal_amount < voucher.min_order_amount:
        raise VoucherMinimumNotMet(
            _("This voucher needs an order of at least %(minimum)s (this one is %(subtotal)s).")
            % {
                "minimum": money_display(voucher.min_order_amount, channel.currency),
                "subtotal": money_display(subtotal_amount, channel.currency),
            }
        )
    return VoucherQuote(
        voucher=voucher,
        voucher_code=voucher_code,
        discount_amount=voucher_discount(
            voucher=voucher, subtotal_amount=subtotal_amount, currency=channel.currency
        ),
    )


def voucher_discount(*, voucher: Voucher, subtotal_amount: Decimal, currency: str) -> Decimal:
    """What ``voucher`` takes off ``subtotal_amount``: capped, never more than the subtotal."""
    if voucher.kind == Voucher.Kind.PERCENTAGE:
        discount = subtotal_amount * voucher.value / 100
    else:
        discount = voucher.value
    if voucher.max_discount_amount is not None:
        discount = min(discount, voucher.max_discount_amount)
    return max(min(money_round(discount, currency), subtotal_amount), Decimal(0))


@transaction.atomic
def voucher_redeem(*, quote: VoucherQuote, order: Order, customer) -> VoucherRedemption:
    """Take one use of the quoted voucher for ``order``; call it inside the order's transaction.

    The voucher row is locked (then the single-use code's row, always in that order) and the
    limits are checked again under the lock: two checkouts racing for the last use, or for
    one single-use code, are served one after the other and the second is refused with
    VoucherUsedUp / VoucherCodeUsed. The lock is held until the order's transaction ends,
    so keep the redemption near the end of the checkout.
    """
    now = timezone.now()
    voucher = locks.voucher_lock(voucher_id=quote.voucher.pk)
    voucher_code = None
    if quote.voucher_code is not None:
        voucher_code = locks.voucher_code_lock(code_id=quote.voucher_code.pk)
    _check_validity(voucher=voucher, voucher_code=voucher_code, now=now)
    _check_usage(voucher=voucher, customer=customer)
    # Under the voucher's lock: two first orders racing with one first-order voucher are
    # served one after the other, and the second sees the first's order.
    _check_customer(voucher=voucher, voucher_code=voucher_code, customer=customer, order=order)

    Voucher.objects.filter(pk=voucher.pk).update(used_count=F("used_count") + 1)
    if voucher_code is not None:
        VoucherCode.objects.filter(pk=voucher_code.pk).update(used_at=now)
        voucher_code.used_at = now
    return VoucherRedemption.objects.create(
        voucher=voucher,
        voucher_code=voucher_code,
        customer=customer,
        order=order,
        discount_amount=quote.discount_amount,
    )


@transaction.atomic
def voucher_release(*, order: Order) -> VoucherRedemption | None:
    """Give back the voucher use of a cancelled order: the count goes down, the code is free.

    Idempotent: the redemption row is deleted, and only the call that deletes it gives the
    use back, so a repeated or concurrent release changes nothing more. Returns the
    released redemption (unsaved), or None when there was nothing to release. No lock is
    needed: the counter moves with one conditional UPDATE.
    """
    redemption = VoucherRedemption.objects.filter(order=order).first()
    if redemption is None:
        return None
    deleted, _rows = VoucherRedemption.objects.filter(pk=redemption.pk).delete()
    if not deleted:
        return None  # a concurrent release got there first
    Voucher.objects.filter(pk=redemption.voucher_id, used_count__gt=0).update(
        used_count=F("used_count") - 1
    )
    if redemption.voucher_code_id is not None:
        VoucherCode.objects.filter(pk=redemption.voucher_code_id).update(used_at=None)
    return redemption


@transaction.atomic
def voucher_codes_generate(*, voucher: Voucher, count: int, prefix: str = "") -> list[VoucherCode]:
    """Create ``count`` (1 to 100,000) new single-use codes for ``voucher``, ``PREFIX`` + 10 chars.

    Codes use an alphabet without look-alike characters. Candidates that already exist
    (as a single-use code or as a shared voucher code) are drawn again; a batch that still
    collides with codes inserted concurrently is rolled back to its savepoint and redrawn.
    """
    prefix = voucher_code_normalize(prefix)
    errors = {}
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= CODES_MAX_COUNT:
        errors["count"] = [
            _("Enter a whole number from 1 to %(max)s.") % {"max": f"{CODES_MAX_COUNT:,}"}
        ]
    if not CODE_PREFIX_PATTERN.match(prefix):
        errors["prefix"] = [_("Up to 20 letters, digits or dashes.")]
    if errors:
        raise VoucherCodesRequestInvalid(
            " ".join(message for messages in errors.values() for message in messages),
            fields=errors,
        )

    created: list[VoucherCode] = []
    while len(created) < count:
        size = min(CODES_BATCH_SIZE, count - len(created))
        created.extend(_codes_batch_create(voucher=voucher, size=size, prefix=prefix))
    return created


@transaction.atomic
def voucher_first_order_code_issue(*, customer, voucher: Voucher) -> VoucherCode:
    """The single-use code of ``voucher`` issued to ``customer``; issued once, then the same.

    Idempotent per (voucher, customer): a second call (or a concurrent one, caught by the
    unique constraint) returns the code already issued. The code is drawn like the bulk
    single-use codes and is bound to the customer: redeeming it for another customer is
    refused. The voucher's own rules (``first_order_only``, dates, channels) apply at
    redemption as for any code.
    """
    existing = VoucherCode.objects.filter(voucher=voucher, customer=customer).first()
    if existing is not None:
        return existing
    for _attempt in range(CODES_BATCH_ATTEMPTS):
        (candidate,) = _codes_draw(size=1, prefix="")
        try:
            with transaction.atomic():
                return VoucherCode.objects.create(
                    voucher=voucher, code=candidate, customer=customer
                )
        except IntegrityError:
            # Either the code was taken meanwhile (draw again) or a concurrent call issued
            # this customer's code first (return it).
            existing = VoucherCode.objects.filter(voucher=voucher, customer=customer).first()
            if existing is not None:
                return existing
    raise VoucherCodesRequestInvalid(_("Could not find an unused code; try again."))


def _codes_batch_create(*, voucher: Voucher, size: int, prefix: str) -> list[VoucherCode]:
    for _attempt in range(CODES_BATCH_ATTEMPTS):
        candidates = _codes_draw(size=size, prefix=prefix)
        try:
            with transaction.atomic():
                return VoucherCode.objects.bulk_create(
                    [VoucherCode(voucher=voucher, code=code) for code in candidates]
                )
        except IntegrityError:
            continue  # another batch took one of these codes meanwhile: draw again
    raise VoucherCodesRequestInvalid(
        _("Could not find enough unused codes; try a longer prefix or fewer codes.")
    )


def _codes_draw(*, size: int, prefix: str) -> list[str]:
    """``size`` distinct codes that are in use nowhere yet (as far as this snapshot sees)."""
    codes: set[str] = set()
    while len(codes) < size:
        fresh = {_code_random(prefix) for _n in range(size - len(codes))} - codes
        taken = set(VoucherCode.objects.filter(code__in=fresh).values_list("code", flat=True))
        taken |= set(Voucher.objects.filter(code__in=fresh).values_list("code", flat=True))
        codes |= fresh - taken
    return list(codes)


def _code_random(prefix: str) -> str:
    # One draw per code, written in base 31: four times faster than a draw per character.
    number = secrets.randbelow(len(CODE_ALPHABET) ** CODE_RANDOM_LENGTH)
    characters = []
    for _position in range(CODE_RANDOM_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[digit])
    return prefix + "".join(characters)


def _voucher_find(*, code: str) -> tuple[Voucher, VoucherCode | None]:
    normalized = voucher_code_normalize(code)
    if not normalized:
        raise VoucherUnknown()
    voucher = Voucher.objects.filter(code=normalized).first()
    if voucher is not None:
        return voucher, None
    voucher_code = VoucherCode.objects.select_related("voucher").filter(code=normalized).first()
    if voucher_code is None:
        raise VoucherUnknown(
            _("There is no voucher “%(code)s”; check how it is spelt.") % {"code": normalized}
        )
    return voucher_code.voucher, voucher_code


def _check_validity(*, voucher: Voucher, voucher_code: VoucherCode | None, now: datetime) -> None:
    if not voucher.is_active:
        raise VoucherInactive()
    if voucher.starts_at is not None and now < voucher.starts_at:
        raise VoucherNotStarted(
            _("This voucher is valid from %(start)s.") % {"start": _moment(voucher.starts_at)}
        )
    if voucher.ends_at is not None and now >= voucher.ends_at:
        raise VoucherExpired(
            _("This voucher expired on %(end)s.") % {"end": _moment(voucher.ends_at)}
        )
    if voucher_code is not None and voucher_code.used_at is not None:
        raise VoucherCodeUsed()


def _check_usage(*, voucher: Voucher, customer) -> None:
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherUsedUp()
    # A guest without a profile cannot be counted; checkout resolves shoppers by phone or
    # email first, so in practice every redemption has a customer.
    if voucher.per_customer_limit is not None and customer is not None:
        used = VoucherRedemption.objects.filter(voucher=voucher, customer=customer).count()
        if used >= voucher.per_customer_limit:
            raise VoucherCustomerLimitReached()


def _check_customer(
    *, voucher: Voucher, voucher_code: VoucherCode | None, customer, order: Order | None
) -> None:
    if (
        voucher_code is not None
        and voucher_code.customer_id is not None
        and customer is not None
        and voucher_code.customer_id != customer.pk
    ):
        raise VoucherCodeNotYours()
    if not voucher.first_order_only:
        return
    if customer is None:
        raise VoucherFirstOrderOnly(
            _(
                "This voucher is for a first order only: give the customer's phone or email "
                "(or log in) so we can check."
            )
        )
    if customer_has_ordered(customer=customer, exclude_order=order):
        raise VoucherFirstOrderOnly()


def customer_has_ordered(*, customer, exclude_order: Order | None = None) -> bool:
    """Whether ``customer`` has a placed or completed order, not cancelled, in any channel."""
    orders = Order.objects.filter(customer=customer).exclude(status=OrderStatus.CANCELLED)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order.pk)
    return orders.exists()


def _moment(value: datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def money_display(amount: Decimal, currency: str) -> str:
    """``500.000 ₫`` for VND; ``12.50 USD`` for the others (a message, not an invoice)."""
    places = MINOR_UNIT_EXPONENTS.get(currency, 2)
    amount = money_round(amount, currency)
    if currency == "VND":
        return f"{amount:,.0f}".replace(",", ".") + " ₫"
    return f"{amount:,.{places}f} {currency}"
