"""Shifts: a cashier's session at a till, its cash drawer and the count at close."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money_round
from inventory.selectors import staff_location_ids
from orders import locks
from orders.exceptions import CashierNotAllowed, IdempotencyConflict, ShiftAlreadyOpen, ShiftClosed
from orders.models import Shift, ShiftCashMovement, Terminal
from orders.services.pins import staff_pin_verify


def shift_open(
    *,
    terminal: Terminal,
    cashier,
    pin: str,
    client_uuid: uuid.UUID,
    opening_float_amount: Decimal,
) -> tuple[Shift, bool]:
    """Open a shift at ``terminal`` with its opening float; returns ``(shift, created)``.

    The cashier is an active staff member allowed to open shifts (a cashier or a store
    manager) who works at the terminal's store, and confirms with their personal ``pin``
    (``staff_pin_verify``: hashed, throttled per person and terminal); nothing is written
    otherwise.

    Idempotent on ``client_uuid``: a retry with the same body returns the shift it opened
    (``created`` False); the same uuid with a different body is an IdempotencyConflict.
    A second open shift at one terminal is refused by a partial unique index, so two racing
    calls cannot both open one.
    """
    if not (cashier.is_active and cashier.is_staff and cashier.has_perm("orders.add_shift")):
        raise CashierNotAllowed(fields={"cashier_id": [str(CashierNotAllowed.default_detail)]})
    # Staff act for their stores (DESIGN invariant 11): a cashier of another store may not
    # open this till, even with the right PIN.
    locations = staff_location_ids(cashier)
    if locations is not None and terminal.location_id not in locations:
        raise CashierNotAllowed(fields={"cashier_id": [str(CashierNotAllowed.default_detail)]})
    staff_pin_verify(user=cashier, terminal=terminal, pin=pin)
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
        replayed = _cash_movement_replay(
            client_uuid, shift=shift, kind=kind, amount=signed, reason=reason, reference=reference
        )
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
            replayed = _cash_movement_replay(
                client_uuid,
                shift=shift,
                kind=kind,
                amount=signed,
                reason=reason,
                reference=reference,
            )
            return replayed, False
    return movement, True


def _cash_movement_replay(
    client_uuid, *, shift, kind, amount, reason, reference
) -> ShiftCashMovement | None:
    if client_uuid is None:
        return None
    replayed = ShiftCashMovement.objects.filter(client_uuid=client_uuid).first()
    # Every field of the request: a replay that changed any of them is another request.
    recorded = (replayed.shift_id, replayed.kind, replayed.amount, replayed.reason,
                replayed.reference) if replayed else None  # fmt: skip
    if replayed is not None and recorded != (shift.pk, kind, amount, reason, reference):
        raise IdempotencyConflict()
    return replayed


def shift_sale_cash_add(
    *, shift: Shift, kind: str, amount: Decimal, reference: str
) -> ShiftCashMovement:
    """Cash taken by a sale (or given back by a refund) into the drawer of an open shift.

    The caller holds the shift's lock (``locks.shift_open_lock``) in its own transaction,
    so the shift cannot close under it.
    """
    signed = SIGN[kind] * money_round(abs(amount), shift.currency)
    return ShiftCashMovement.objects.create(
        shift=shift, kind=kind, amount=signed, reference=reference
    )


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
