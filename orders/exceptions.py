from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError


class OrdersError(DomainError):
    code = "orders_error"


class TerminalLocationInvalid(OrdersError):
    code = "terminal_location_invalid"
    default_detail = _("A POS terminal belongs to an active store.")


class ShiftError(OrdersError):
    code = "shift_error"
    status_code = 409


class ShiftAlreadyOpen(ShiftError):
    code = "shift_already_open"
    default_detail = _("This terminal already has an open shift; close it before opening another.")


class ShiftClosed(ShiftError):
    code = "shift_closed"
    default_detail = _("This shift is closed; open a new shift to move cash.")


class IdempotencyConflict(OrdersError):
    """The same client_uuid was sent before with a different body."""

    code = "idempotency_conflict"
    status_code = 409
    default_detail = _(
        "This client_uuid was already used for a different request; generate a new one."
    )


class CashierNotAllowed(OrdersError):
    code = "cashier_not_allowed"
    status_code = 400
    default_detail = _("This staff member may not run a till.")


class OrderTransitionInvalid(OrdersError):
    code = "order_transition_invalid"
    status_code = 409
    default_detail = _("This order cannot move to that status.")
