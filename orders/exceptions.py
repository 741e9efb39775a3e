from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError


class OrdersError(DomainError):
    code = "orders_error"


class TerminalLocationInvalid(OrdersError):
    code = "terminal_location_invalid"
    default_detail = _("A POS terminal belongs to an active store.")
