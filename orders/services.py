"""Writes of the orders app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from inventory.models import Location, SalesChannel
from orders import locks
from orders.exceptions import (
    CashierNotAllowed,
    IdempotencyConflict,
    ShiftAlreadyOpen,
    ShiftClosed,
    TerminalLocationInvalid,
)
from orders.models import OrderNumberSequence, Shift, ShiftCashMovement, Terminal

TOKEN_PREFIX = "tpos_"  # noqa: S105 (a prefix, not a secret)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def terminal_create(*, location: Location, name: str) -> tuple[Terminal, str]:
    """Create a terminal and return it with its token. The token is shown this once only."""
    if location.kind != Location.Kind.STORE or not location.is_active:
        raise TerminalLocationInvalid(
            fields={"location": [str(TerminalLocationInvalid.default_detail)]}
        )
    token = _new_token()
    terminal = Terminal.objects.create(
        location=location, name=name, token_prefix=token[:12], token_hash=Terminal.hash_token(token)
    )
    return terminal, token


@transaction.atomic
def terminal_token_rotate(*, terminal: Terminal) -> str:
    """Give the terminal a new token (the old one stops working at once) and re-activate it."""
    token = _new_token()
    terminal.token_prefix = token[:12]
    terminal.token_hash = Terminal.hash_token(token)
    terminal.revoked_at = None
    terminal.save(update_fields=["token_prefix", "token_hash", "revoked_at"])
    return token


def terminal_revoke(*, terminal: Terminal) -> Terminal:
    Terminal.objects.filter(pk=terminal.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    terminal.refresh_from_db(fields=["revoked_at"])
    return terminal


def terminal_mark_seen(*, terminal: Terminal) -> None:
    """Record that the terminal called in; written at most once a minute to spare the database."""
    now = timezone.now()
    Terminal.objects.filter(pk=terminal.pk).exclude(
        last_seen_at__gte=now - LAST_SEEN_RESOLUTION
    ).update(last_seen_at=now)


def shift_open(
    *, terminal: Terminal, cashier, client_uuid: uuid.UUID, opening_float_amount: Decimal
) -> tuple[Shift, bool]:
    """Open a shift at ``terminal`` with its opening float; returns ``(shift, created)``.

    Idempotent on ``client_uuid``: a retry with the same body returns the shift it opened
    (``created`` False); the same uuid with a different body is an IdempotencyConflict.
    A second open shift at one terminal is refused by a partial unique index, so two racing
    calls cannot both open one.
    """
    if not (cashier.is_active and cashier.is_staff and cashier.has_perm("orders.add_shift")):
        raise CashierNotAllowed(fields={"cashier_id": [str(CashierNotAllowed.default_detail)]})
    currency = settings.DEFAULT_CURRENCY
    opening_float_amount = money_round(opening_float_amount, currency)
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                terminal=terminal,
                cashier=cashier,
                client_uuid=client_uuid,
                currency=currency,
                opened_at=timezone.now(),
            )
            ShiftCashMovement.objects.create(
                shift=shift,
                kind=ShiftCashMovement.Kind.OPENING_FLOAT,
                amount=opening_float_amount,
            )
    except IntegrityError:
        replayed = Shift.objects.filter(client_uuid=client_uuid).first()
        if replayed is None:
            raise ShiftAlreadyOpen() from None
        float_amount = shift_opening_float(shift=replayed)
        if (replayed.terminal_id, replayed.cashier_id, float_amount) != (
            terminal.pk,
            cashier.pk,
            opening_float_amount,
        ):
            raise IdempotencyConflict() from None
        return replayed, False
    return shift, True


def shift_opening_float(*, shift: Shift) -> Decimal:
    movement = shift.cash_movements.filter(kind=ShiftCashMovement.Kind.OPENING_FLOAT).first()
    return movement.amount if movement else Decimal(0)


SIGN = {
    ShiftCashMovement.Kind.PAID_IN: 1,
    ShiftCashMovement.Kind.SALE: 1,
    ShiftCashMovement.Kind.PAID_OUT: -1,
    ShiftCashMovement.Kind.REFUND: -1,
}


def shift_cash_record(
    *,
    shift: Shift,
    kind: str,
    amount: Decimal,
    reason: str = "",
    reference: str = "",
    client_uuid: uuid.UUID | None = None,
) -> tuple[ShiftCashMovement, bool]:
    """Put cash into or take it out of an open shift's drawer; returns ``(movement, created)``.

    ``amount`` is positive; the kind gives the sign. Idempotent on ``client_uuid``.
    """
    if kind not in SIGN:
        raise ValueError(f"{kind!r} is not a cash movement a caller records")
    signed = SIGN[kind] * money_round(abs(amount), shift.currency)
    with transaction.atomic():
        # A retry answers with what the first call recorded, even once the shift is closed.
        replayed = _cash_movement_replay(client_uuid, shift=shift, kind=kind, amount=signed)
        if replayed is not None:
            return replayed, False
        # Lock the shift so a concurrent close either sees this movement or refuses it.
        locked = locks.shift_lock(shift_id=shift.pk)
        if not locked.is_open:
            raise ShiftClosed()
        try:
            with transaction.atomic():
                movement = ShiftCashMovement.objects.create(
                    shift=locked,
                    kind=kind,
                    amount=signed,
                    reason=reason,
                    reference=reference,
                    client_uuid=client_uuid,
                )
        except IntegrityError:
            # The same client_uuid committed meanwhile: answer as a replay.
            return _cash_movement_replay(client_uuid, shift=shift, kind=kind, amount=signed), False
    return movement, True


def _cash_movement_replay(client_uuid, *, shift, kind, amount) -> ShiftCashMovement | None:
    if client_uuid is None:
        return None
    replayed = ShiftCashMovement.objects.filter(client_uuid=client_uuid).first()
    if replayed is not None and (replayed.shift_id, replayed.kind, replayed.amount) != (
        shift.pk,
        kind,
        amount,
    ):
        raise IdempotencyConflict()
    return replayed


def shift_expected_amount(*, shift: Shift) -> Decimal:
    total = shift.cash_movements.aggregate(total=Sum("amount"))["total"]
    return total if total is not None else Decimal(0)


def shift_close(*, shift: Shift, counted_amount: Decimal, note: str = "") -> tuple[Shift, bool]:
    """Close the shift with the counted cash; the expected amount is fixed now.

    Closing an already closed shift with the same count is a replay (``created`` False);
    with another count it is refused.
    """
    counted_amount = money_round(counted_amount, shift.currency)
    with transaction.atomic():
        locked = locks.shift_lock(shift_id=shift.pk)
        if not locked.is_open:
            if locked.counted_amount == counted_amount:
                return locked, False
            raise ShiftClosed(
                _("This shift was already closed with a count of %(amount)s.")
                % {"amount": locked.counted_amount}
            )
        locked.expected_amount = shift_expected_amount(shift=locked)
        locked.counted_amount = counted_amount
        locked.closing_note = note
        locked.closed_at = timezone.now()
        locked.save(
            update_fields=["expected_amount", "counted_amount", "closing_note", "closed_at"]
        )
    return locked, True


def order_number_next(*, channel: SalesChannel) -> str:
    """The next order number of ``channel``, such as ``WEB-000124``. Gap-free per channel.

    The increment is one conditional UPDATE: the row stays locked until the caller's
    transaction ends, so two orders can never get the same number and a rolled-back
    order gives its number back.
    """
    with transaction.atomic():
        sequence, _created = OrderNumberSequence.objects.get_or_create(
            channel=channel, defaults={"prefix": channel.code.upper()}
        )
        OrderNumberSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
        sequence.refresh_from_db(fields=["last_value"])
    return f"{sequence.prefix}-{sequence.last_value:06d}"
