"""Shared reads of this app, returning querysets with their joins already set."""

from django.db.models import QuerySet

from campaigns.models import Message
from config.transports import Channel
from customers.models import ContactPoint, Customer

# Which contact point serves a channel. ZNS is addressed by phone number (Zalo finds the
# account that registered it), so Zalo needs a phone, not a Zalo user id.
CHANNEL_CONTACT_KIND = {
    Channel.EMAIL: ContactPoint.Kind.EMAIL,
    Channel.SMS: ContactPoint.Kind.PHONE,
    Channel.ZALO: ContactPoint.Kind.PHONE,
    Channel.MESSENGER: ContactPoint.Kind.MESSENGER,
}


def contact_address(*, customer: Customer, channel: str) -> str:
    """The address to use for ``channel``: a verified one first, then the newest; "" if none."""
    kind = CHANNEL_CONTACT_KIND[Channel(channel)]
    value = (
        ContactPoint.objects.filter(customer=customer, kind=kind)
        .order_by("-is_verified", "-created_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return value or ""


def contact_addresses(*, pairs) -> dict[tuple[int, str], str]:
    """``contact_address`` for many (customer id, channel) pairs in one query.

    Pairs with no address are absent from the answer.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    kinds = {CHANNEL_CONTACT_KIND[Channel(channel)] for _customer_id, channel in pairs}
    found: dict[tuple[int, str], str] = {}
    for customer_id, kind, value in (
        ContactPoint.objects.filter(
            customer_id__in={customer_id for customer_id, _channel in pairs}, kind__in=kinds
        )
        .order_by("customer_id", "kind", "-is_verified", "-created_at", "-id")
        .values_list("customer_id", "kind", "value")
    ):
        for channel, channel_kind in CHANNEL_CONTACT_KIND.items():
            if channel_kind == kind and (customer_id, channel) in pairs:
                found.setdefault((customer_id, str(channel)), value)
    return found


def message_list(*, customer: Customer | None = None) -> QuerySet[Message]:
    messages = Message.objects.select_related("customer")
    if customer is not None:
        messages = messages.filter(customer=customer)
    return messages
