"""POS terminals: created with a token shown once, rotated, revoked."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from config.audit import audit_record
from inventory.models import Location
from orders.exceptions import TerminalLocationInvalid
from orders.models import CustomerLookup, Terminal

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
    revoked = Terminal.objects.filter(pk=terminal.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    terminal.refresh_from_db(fields=["revoked_at"])
    if revoked:  # an update, not a save: the audit trail is told (config/audit.py)
        audit_record(instance=terminal, event="terminal.revoked")
    return terminal


def terminal_mark_seen(*, terminal: Terminal) -> None:
    """Record that the terminal called in; written at most once a minute to spare the database."""
    now = timezone.now()
    if terminal.last_seen_at is not None and terminal.last_seen_at >= now - LAST_SEEN_RESOLUTION:
        return
    Terminal.objects.filter(pk=terminal.pk).exclude(
        last_seen_at__gte=now - LAST_SEEN_RESOLUTION
    ).update(last_seen_at=now)


def customer_lookup_record(
    *, terminal: Terminal, query_kind: str, customer=None, cashier=None
) -> CustomerLookup:
    """Audit one customer look-up at a till (found or not); it also opens the found
    profile's summary to this terminal for ``POS_CUSTOMER_ACCESS_MINUTES``."""
    return CustomerLookup.objects.create(
        terminal=terminal, query_kind=query_kind, customer=customer, cashier=cashier
    )
