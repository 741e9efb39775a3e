"""Shared reads of the orders app, returning querysets with their joins already set."""

from orders.models import Terminal


def terminal_by_token(*, token: str) -> Terminal | None:
    return (
        Terminal.objects.select_related("location")
        .filter(
            token_hash=Terminal.hash_token(token), revoked_at__isnull=True, location__is_active=True
        )
        .first()
    )
