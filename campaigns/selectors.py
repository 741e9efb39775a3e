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


def message_list(*, customer: Customer | None = None) -> QuerySet[Message]:
    messages = Message.objects.select_related("customer")
    if customer is not None:
        messages = messages.filter(customer=customer)
    return messages
