"""The order status machine: every status an order can have and the moves between them.

One table, read by the services that change an order's status, shown in the admin and
documented in the API. A move that is not in the table is refused with a clear error.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.exceptions import OrderTransitionInvalid


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    CONFIRMED = "confirmed", _("Confirmed")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pick-up")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
    RETURNED = "returned", _("Returned")


S = OrderStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED}),
    # A carry-out sale at the till is confirmed and completed in the same breath.
    S.CONFIRMED: frozenset({S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED, S.CANCELLED}),
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED, S.CANCELLED}),
    # A parcel refused at the door (COD) comes back whole.
    S.SHIPPED: frozenset({S.COMPLETED, S.RETURNED}),
    S.COMPLETED: frozenset({S.PARTIALLY_RETURNED, S.RETURNED}),
    # Several returns may follow one another until nothing is left to return.
    S.PARTIALLY_RETURNED: frozenset({S.PARTIALLY_RETURNED, S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}
FINAL_STATUSES = frozenset(status for status, moves in ALLOWED_TRANSITIONS.items() if not moves)


def order_status_check(*, current: str, new: str) -> None:
    """Raise OrderTransitionInvalid unless the table allows ``current`` → ``new``."""
    if new not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        allowed = sorted(OrderStatus(status).label for status in ALLOWED_TRANSITIONS[current])
        raise OrderTransitionInvalid(
            _("An order that is %(current)s cannot become %(new)s. %(allowed)s")
            % {
                "current": OrderStatus(current).label,
                "new": OrderStatus(new).label,
                "allowed": (
                    _("It can become: %(list)s.") % {"list": ", ".join(map(str, allowed))}
                    if allowed
                    else _("It cannot change any more.")
                ),
            },
            fields={"status": [_("Not allowed from %(current)s.") % {"current": current}]},
        )
