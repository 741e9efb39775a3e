"""After reserving: an order keeps the holds (convert), gives them back (release), the beat
job expires them, and a sale takes the goods off the shelf."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.exceptions import HoldExpired, ReservationNotFound
from inventory.models import Reservation, StockLevel, StockMovement
from inventory.services.lines import actor_fields


def _active(reference: str):
    return Reservation.objects.filter(reference=reference, status=Reservation.Status.ACTIVE)


def _close(reservation: Reservation, *, status: str, now: datetime, **conditions) -> bool:
    """Flip one active reservation to ``status`` and give its units back to ``reserved``.

    The flip is a conditional UPDATE: when two closers race (the expiry job and a checkout
    converting the hold), exactly one of them changes the row and moves the counter.
    """
    flipped = Reservation.objects.filter(
        pk=reservation.pk, status=Reservation.Status.ACTIVE, **conditions
    ).update(status=status, closed_at=now)
    if flipped:
        StockLevel.objects.filter(pk=reservation.stock_level_id).update(
            reserved=F("reserved") - reservation.quantity
        )
    return bool(flipped)


@transaction.atomic
def reservation_convert(*, reference: str, new_reference: str | None = None) -> list[Reservation]:
    """Turn the checkout holds of ``reference`` into order allocations (they stop expiring),
    optionally filed under ``new_reference`` (``checkout:42`` → ``order:WEB-000123``).

    All or nothing: if the expiry job released any of them first, :class:`HoldExpired`.
    """
    holds = list(_active(reference).filter(kind=Reservation.Kind.HOLD).order_by("pk"))
    if not holds:
        raise HoldExpired(fields={"reference": [reference]})
    target = new_reference or reference
    # One statement for every hold, whatever the number of lines; the status condition
    # makes it lose cleanly to the expiry job (fewer rows changed: the hold is gone).
    converted = Reservation.objects.filter(
        pk__in=[hold.pk for hold in holds],
        status=Reservation.Status.ACTIVE,
        kind=Reservation.Kind.HOLD,
    ).update(kind=Reservation.Kind.ALLOCATION, expires_at=None, reference=target)
    if converted != len(holds):
        raise HoldExpired(fields={"reference": [reference]})
    for hold in holds:
        hold.kind, hold.expires_at, hold.reference = Reservation.Kind.ALLOCATION, None, target
    return holds


@transaction.atomic
def reservation_release(*, reference: str) -> int:
    """Give back everything still reserved for ``reference`` (a cancelled order or cart).

    Returns the units released; releasing twice releases nothing the second time.
    """
    now = timezone.now()
    released = 0
    for reservation in _active(reference).order_by("stock_level_id", "pk"):
        if _close(reservation, status=Reservation.Status.RELEASED, now=now):
            released += reservation.quantity
    return released


def reservation_expire_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Release checkout holds past their expiry (the beat job). Returns how many expired.

    The holds of one reference expire together, in one transaction, so a checkout never
    finds half of its holds gone.
    """
    now = now or timezone.now()
    references = list(
        Reservation.objects.filter(
            status=Reservation.Status.ACTIVE,
            kind=Reservation.Kind.HOLD,
            expires_at__lte=now,
        )
        .values_list("reference", flat=True)
        .distinct()[:batch_size]
    )
    expired = 0
    for reference in references:
        with transaction.atomic():
            due = (
                _active(reference)
                .filter(kind=Reservation.Kind.HOLD, expires_at__lte=now)
                .order_by("stock_level_id", "pk")
            )
            for reservation in due:
                expired += _close(
                    reservation,
                    status=Reservation.Status.EXPIRED,
                    now=now,
                    kind=Reservation.Kind.HOLD,
                )
    return expired


@transaction.atomic
def stock_sale_commit(*, reference: str, actor=None, actor_label: str = "") -> list[StockMovement]:
    """The goods of ``reference`` leave the shelf: on hand and reserved go down together,
    each reservation is marked sold and a sale movement is written for it."""
    now = timezone.now()
    movements = []
    reservations = list(_active(reference).order_by("stock_level_id", "pk"))
    if not reservations:
        raise ReservationNotFound(fields={"reference": [reference]})
    for reservation in reservations:
        sold = Reservation.objects.filter(
            pk=reservation.pk, status=Reservation.Status.ACTIVE
        ).update(status=Reservation.Status.SOLD, closed_at=now)
        if not sold:
            continue
        StockLevel.objects.filter(pk=reservation.stock_level_id).update(
            on_hand=F("on_hand") - reservation.quantity,
            reserved=F("reserved") - reservation.quantity,
        )
        movements.append(
            StockMovement(
                stock_level_id=reservation.stock_level_id,
                kind=StockMovement.Kind.SALE,
                quantity=-reservation.quantity,
                reference=reference,
                channel_id=reservation.channel_id,
                **actor_fields(actor, actor_label),
            )
        )
    if not movements:
        raise ReservationNotFound(fields={"reference": [reference]})
    return StockMovement.objects.bulk_create(movements)
