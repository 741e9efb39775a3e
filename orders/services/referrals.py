"""Referrals at checkout and at the till, and the referrer's reward for a friend's order.

The code is entered at web checkout or sent by the till with the sale; it is recorded on
the buyer's profile (``customers.services.referral_record``) in the order's transaction.
When a referred friend's order of at least ``REFERRAL_MIN_ORDER_AMOUNT`` completes, in any
channel, the referrer gets ``REFERRAL_REWARD`` once per friend (``points:N`` or
``voucher:<id>``, a single-use code of that voucher), recorded as ``referral_rewarded`` on
the referrer's timeline. A return within ``REFERRAL_RETURN_DAYS`` of the order's completion
that leaves the friend keeping less than ``REFERRAL_MIN_ORDER_AMOUNT`` (the order's total
less every refund), or nothing at all, takes the reward back (``referral_reversed``): the
reward is for a friend's qualifying purchase, and a purchase mostly brought back is not one.
A return that leaves it over the threshold, or one after the window, keeps it.

The friend's welcome: when ``REFERRAL_WELCOME_VOUCHER_ID`` names a voucher, the order in
which the friend enters a referral code gets that voucher's code, issued to them with
``voucher_first_order_code_issue`` (decided: at the first order, where the code is entered,
not at sign-up, which has no referral field) — unless the order already uses a voucher or
the welcome voucher's rules refuse it (then the order goes ahead without it).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from customers.exceptions import ReferralNotAllowed
from customers.locks import customers_lock
from customers.models import Customer, Event
from customers.services import event_record, loyalty_earn, loyalty_reverse, referral_record
from orders.exceptions import ReferralCodeInvalid, VoucherInvalid
from orders.models import Order, Voucher, VoucherCode
from orders.services.vouchers import (
    VoucherQuote,
    customer_has_ordered,
    voucher_codes_generate,
    voucher_first_order_code_issue,
    voucher_quote,
)
from orders.statuses import OrderStatus


def referral_apply(*, customer: Customer | None, code: str) -> Customer:
    """Record that ``customer`` (the buyer) was referred by ``code``'s owner; the referrer.

    Refused with :class:`ReferralCodeInvalid` (field ``referral_code``) for an unknown code,
    the buyer's own code, a buyer referred by someone else already, or no known buyer.
    Runs in the order's transaction: a refused order records no referral.
    """
    if customer is None:
        raise ReferralCodeInvalid(
            _("A referral code needs the buyer's phone or email."),
            fields={"referral_code": [_("Tell us who you are first.")]},
        )
    try:
        return referral_record(customer=customer, code=code)
    except ReferralNotAllowed as error:
        raise ReferralCodeInvalid(
            error.detail, fields={"referral_code": [str(error.detail)]}
        ) from error


def referral_welcome_quote(
    *, customer: Customer, channel, subtotal_amount: Decimal
) -> VoucherQuote | None:
    """The friend's welcome voucher for this order, or None (none set, or its rules refuse).

    Call it after :func:`referral_apply`, when the order uses no other voucher. The code is
    issued in the order's transaction: a refused order issues none.
    """
    voucher_id = settings.REFERRAL_WELCOME_VOUCHER_ID
    voucher = Voucher.objects.filter(pk=voucher_id).first() if voucher_id else None
    if voucher is None or (voucher.first_order_only and customer_has_ordered(customer=customer)):
        return None
    code = voucher_first_order_code_issue(customer=customer, voucher=voucher)
    try:
        return voucher_quote(
            code=code.code, channel=channel, customer=customer, subtotal_amount=subtotal_amount
        )
    except VoucherInvalid:
        return None  # e.g. not their first order: the referral stands, without the welcome


def referral_reward_setting() -> tuple[str, int]:
    """``REFERRAL_REWARD`` read as ``("points", N)`` or ``("voucher", voucher id)``."""
    kind, _sep, value = str(settings.REFERRAL_REWARD).partition(":")
    if kind not in {"points", "voucher"} or not value.isdigit() or int(value) <= 0:
        raise ImproperlyConfigured(
            f"REFERRAL_REWARD must be points:N or voucher:<id>, not {settings.REFERRAL_REWARD!r}"
        )
    return kind, int(value)


def referral_reward_grant(*, order: Order) -> Event | None:
    """Reward the referrer of ``order``'s buyer if this is the friend's qualifying order.

    Called where an order completes (``order_completion_record``), inside its transaction.
    Once per friend: the referrer's row is locked and their timeline checked, so a repeated
    or concurrent completion rewards once. Returns the ``referral_rewarded`` event, or None.
    """
    if order.customer_id is None:
        return None
    friend = order.customer
    if friend.referred_by_id is None:
        return None
    if order.total_amount < Decimal(settings.REFERRAL_MIN_ORDER_AMOUNT):
        return None
    referrer_id = friend.referred_by.merged_into_id or friend.referred_by_id
    customers_lock(customer_ids=[referrer_id])
    referrer = Customer.objects.get(pk=referrer_id)
    if Event.objects.filter(
        customer=referrer, kind=Event.Kind.REFERRAL_REWARDED, payload__friend_id=friend.pk
    ).exists():
        return None
    kind, value = referral_reward_setting()
    payload = {
        "friend_id": friend.pk,
        "order_id": order.pk,
        "number": order.number,
        # Whole đồng whichever door completed it (a row read back carries two decimals).
        "total_amount": str(money_round(order.total_amount, order.currency)),
        "reward": kind,
    }
    if kind == "points":
        loyalty_earn(
            customer=referrer,
            reference=f"referral:{friend.pk}",
            points=value,
            note=_("Referral: %(number)s") % {"number": order.number},
        )
        payload["points"] = value
    else:
        voucher = Voucher.objects.filter(pk=value).first()
        if voucher is None:
            raise ImproperlyConfigured(
                f"REFERRAL_REWARD names voucher {value}, which does not exist"
            )
        (code,) = voucher_codes_generate(voucher=voucher, count=1, prefix="REF-")
        payload["voucher_code_id"] = code.pk
        payload["voucher_code"] = code.code
    return event_record(
        customer=referrer,
        kind=Event.Kind.REFERRAL_REWARDED,
        channel=order.channel,
        location=order.location,
        payload=payload,
    )


def referral_order_kept_amount(*, order: Order) -> Decimal:
    """What the friend kept of ``order``: its total less the refunds of all its returns."""
    refunded = order.returns.aggregate(total=Sum("refund_amount"))["total"]
    return order.total_amount - (refunded or Decimal(0))


def referral_reward_reverse(*, order: Order, now=None) -> Event | None:
    """Take back the reward ``order`` earned, when goods came back within the return window
    and what the friend kept no longer qualifies (below the threshold, or all returned).

    Called by every return (``orders.services.returns.return_reversals_record``) after it
    is recorded and the order's status set, inside its transaction. Idempotent: a second
    call finds the ``referral_reversed`` event and does nothing. A reward whose voucher code
    was already spent is recorded as reversed all the same (the code cannot be un-spent);
    the event says so.
    """
    now = now or timezone.now()
    rewarded = (
        Event.objects.filter(kind=Event.Kind.REFERRAL_REWARDED, payload__order_id=order.pk)
        .order_by("pk")
        .first()
    )
    if rewarded is None:
        return None
    if order.completed_at and now - order.completed_at > timedelta(
        days=settings.REFERRAL_RETURN_DAYS
    ):
        return None
    kept = referral_order_kept_amount(order=order)
    if order.status != OrderStatus.RETURNED and kept >= Decimal(settings.REFERRAL_MIN_ORDER_AMOUNT):
        return None
    customers_lock(customer_ids=[rewarded.customer_id])
    if Event.objects.filter(
        customer_id=rewarded.customer_id,
        kind=Event.Kind.REFERRAL_REVERSED,
        payload__order_id=order.pk,
    ).exists():
        return None
    referrer = rewarded.customer
    payload = {
        "order_id": order.pk,
        "number": order.number,
        "rewarded_event_id": rewarded.pk,
        "kept_amount": str(money_round(max(kept, Decimal(0)), order.currency)),
    }
    if rewarded.payload.get("reward") == "points":
        loyalty_reverse(
            customer=referrer,
            reference=f"referral:{rewarded.payload['friend_id']}:reversed",
            points=rewarded.payload["points"],
            note=_("Referral reversed: %(number)s returned") % {"number": order.number},
        )
        payload["points"] = rewarded.payload["points"]
    else:
        withdrawn = VoucherCode.objects.filter(
            pk=rewarded.payload.get("voucher_code_id"), used_at__isnull=True
        ).update(used_at=now)
        payload["voucher_code_withdrawn"] = bool(withdrawn)
    return event_record(
        customer=referrer,
        kind=Event.Kind.REFERRAL_REVERSED,
        channel=order.channel,
        payload=payload,
    )
