from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from orders.selectors import terminal_by_token
from orders.services import terminal_mark_seen


class TerminalTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer tpos_…``: the caller is a POS terminal, ``request.auth`` is it.

    ``request.user`` stays anonymous: a terminal is not a staff member. Views for terminals
    use :class:`orders.api.permissions.IsTerminal` and scope every query to the terminal's store.
    The audit trail names the cashier on the terminal's open shift as the actor of what the
    request changes (``terminal.audit_actor``, read by ``config.audit.AuditMiddleware`` only
    when an entry is written).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        # Compared as bytes: a scheme word that is not UTF-8 is just not ours (no 500).
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the terminal token as 'Bearer <token>'.")
        terminal = terminal_by_token(token=header[1].decode(errors="replace"))
        if terminal is None:
            raise exceptions.AuthenticationFailed(
                "This terminal token is unknown or has been revoked."
            )
        terminal_mark_seen(terminal=terminal)
        terminal.audit_actor = partial(_shift_cashier, terminal)
        return AnonymousUser(), terminal

    def authenticate_header(self, request):
        return self.keyword


def _shift_cashier(terminal):
    """The cashier on the terminal's shift: the one open when the request came in, or one
    the request opened."""
    shift = (
        {"shifts__pk": terminal.open_shift_id}
        if getattr(terminal, "open_shift_id", None)
        else {"shifts__terminal_id": terminal.pk, "shifts__closed_at__isnull": True}
    )
    return get_user_model().objects.filter(**shift).first()


class TerminalTokenScheme(OpenApiAuthenticationExtension):
    target_class = TerminalTokenAuthentication
    name = "terminalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A POS terminal's token (`tpos_…`), shown once when the terminal is created."
            ),
        }
