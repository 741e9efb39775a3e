"""Choosing the channel for a customer.

``channel_ranking`` is the one entry point the outbox uses. This first version ranks by a
fixed order among the channels the customer can be reached on; the engagement-based
ranking (opens, clicks, replies, attributed orders) replaces its body, not its signature.
"""

from campaigns.selectors import CHANNEL_CONTACT_KIND
from config.transports import Channel
from customers.models import ContactPoint, Customer

FIXED_ORDER = (Channel.EMAIL, Channel.ZALO, Channel.SMS, Channel.MESSENGER)


def channel_ranking(*, customer: Customer) -> list[str]:
    """The customer's channels, best first: those with a usable contact point."""
    kinds = set(
        ContactPoint.objects.filter(customer=customer).values_list("kind", flat=True).distinct()
    )
    return [str(channel) for channel in FIXED_ORDER if CHANNEL_CONTACT_KIND[channel] in kinds]
