"""The loyalty ledger: every movement is a row; the balance is their sum."""

from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from customers.exceptions import InsufficientPoints, LoyaltyReferenceConflict
from customers.locks import customers_lock
from customers.models import Customer, LoyaltyEntry
from customers.selectors import loyalty_balance


def loyalty_points_for_amount(*, amount: Decimal) -> int:
    """Points earned for spending ``amount`` (settings.LOYALTY_VND_PER_POINT per point)."""
    per_point = Decimal(settings.LOYALTY_VND_PER_POINT)
    return int((Decimal(amount) / per_point).to_integral_value(rounding=ROUND_FLOOR))


def _existing(*, customer: Customer, kind: str, reference: str, points: int) -> LoyaltyEntry | None:
    entry = LoyaltyEntry.objects.filter(kind=kind, reference=reference).first()
    if entry is not None and (entry.points != points or entry.customer_id != customer.pk):
        raise LoyaltyReferenceConflict(fields={"reference": [reference]})
    return entry


def _append(
    *, customer: Customer, kind: str, reference: str, points: int, note: str
) -> LoyaltyEntry:
    try:
        # A savepoint, so a concurrent twin that inserted first leaves the caller's
        # transaction usable; the twin's row is then the answer.
        with transaction.atomic():
            return LoyaltyEntry.objects.create(
                customer=customer, kind=kind, reference=reference, points=points, note=note
            )
    except IntegrityError:
        entry = _existing(customer=customer, kind=kind, reference=reference, points=points)
        if entry is None:
            raise
        return entry


def _live(customer: Customer) -> Customer:
    # Erased customers keep their ledger (it is financial), and a late return or
    # completion of their order must still move points: only tombstones are redirected.
    if customer.merged_into_id:
        return Customer.objects.get(pk=customer.merged_into_id)
    return customer


def loyalty_earn(
    *,
    customer: Customer,
    reference: str,
    amount: Decimal | None = None,
    points: int | None = None,
    note: str = "",
) -> LoyaltyEntry | None:
    """Add points for ``amount`` spent (or exactly ``points``), once per reference.

    Calling it again with the same reference returns the first entry and adds nothing;
    the same reference with other points is a :class:`LoyaltyReferenceConflict`.
    Returns None when the amount earns no point. One row is written, so it needs no
    transaction of its own: the insert is tried first (the usual case, one statement in a
    savepoint) and the reference's unique constraint catches a repeat. An order written in
    the caller's own transaction writes its row with :func:`loyalty_earn_entry` instead.
    """
    customer = _live(customer)
    if points is None:
        points = loyalty_points_for_amount(amount=amount or Decimal(0))
    if points <= 0:
        return None
    return _append(
        customer=customer,
        kind=LoyaltyEntry.Kind.EARN,
        reference=reference,
        points=points,
        note=note,
    )


def loyalty_earn_entry(
    *, customer: Customer, reference: str, amount: Decimal, note: str = ""
) -> LoyaltyEntry | None:
    """:func:`loyalty_earn`'s row for ``amount``, not yet written, or None when it earns no
    point: for a caller that writes it with others in one statement
    (``config.inserts.rows_insert``), and whose reference cannot have been used yet (its new
    order's, written in the same transaction; a repeat would fail that whole transaction,
    with nothing of it written)."""
    points = loyalty_points_for_amount(amount=amount)
    if points <= 0:
        return None
    return LoyaltyEntry(
        customer=_live(customer),
        kind=LoyaltyEntry.Kind.EARN,
        reference=reference,
        points=points,
        note=note,
    )


def _spend(*, customer: Customer, kind: str, reference: str, points: int, note: str, strict: bool):
    customer = _live(customer)
    if points <= 0:
        raise ValueError("points must be positive")
    existing = _existing(customer=customer, kind=kind, reference=reference, points=-points)
    if existing:
        return existing
    # The balance is a sum over the ledger, so two redemptions could each see enough
    # points and both insert. Locking the customer row first makes them take turns: the
    # second one sums the ledger after the first has committed.
    customers_lock(customer_ids=[customer.pk])
    existing = _existing(customer=customer, kind=kind, reference=reference, points=-points)
    if existing:
        return existing
    balance = loyalty_balance(customer=customer)
    if strict and points > balance:
        raise InsufficientPoints(
            fields={"points": [f"{points} > {balance}"]},
        )
    points = min(points, balance) if not strict else points
    if points <= 0:
        return None
    return _append(customer=customer, kind=kind, reference=reference, points=-points, note=note)


@transaction.atomic
def loyalty_redeem(
    *, customer: Customer, reference: str, points: int, note: str = ""
) -> LoyaltyEntry:
    """Spend points, once per reference; refused (nothing written) beyond the balance."""
    return _spend(
        customer=customer,
        kind=LoyaltyEntry.Kind.REDEEM,
        reference=reference,
        points=points,
        note=note,
        strict=True,
    )


@transaction.atomic
def loyalty_expire(
    *, customer: Customer, reference: str, points: int, note: str = ""
) -> LoyaltyEntry | None:
    """Expire up to ``points`` (never below zero), once per reference."""
    return _spend(
        customer=customer,
        kind=LoyaltyEntry.Kind.EXPIRE,
        reference=reference,
        points=points,
        note=note,
        strict=False,
    )


@transaction.atomic
def loyalty_reverse(
    *, customer: Customer, reference: str, points: int, note: str = ""
) -> LoyaltyEntry:
    """Take back points earned on what was returned, once per reference (e.g. ``return:R-1``).

    Unlike a redemption it is not refused when the points were already spent: the balance
    may go below zero, and the next points earned pay it back.
    """
    customer = _live(customer)
    if points <= 0:
        raise ValueError("points must be positive")
    existing = _existing(
        customer=customer, kind=LoyaltyEntry.Kind.REVERSE, reference=reference, points=-points
    )
    if existing:
        return existing
    return _append(
        customer=customer,
        kind=LoyaltyEntry.Kind.REVERSE,
        reference=reference,
        points=-points,
        note=note,
    )
