"""The only place in ``orders`` that takes row locks (STYLE.md habit 5)."""

from orders.models import Shift


def shift_lock(*, shift_id: int) -> Shift:
    """Lock one shift row; cash movements and the close serialise on it."""
    return Shift.objects.select_for_update().get(pk=shift_id)
