"""Shared reads of the orders app, returning querysets with their joins already set."""

from django.db.models import QuerySet

from orders.models import Shift, Terminal


def terminal_by_token(*, token: str) -> Terminal | None:
    return (
        Terminal.objects.select_related("location")
        .filter(
            token_hash=Terminal.hash_token(token),
            revoked_at__isnull=True,
            location__is_active=True,
        )
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
