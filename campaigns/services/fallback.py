"""A flow's message refused on its channel (a gate or the provider): the next channel down."""

from __future__ import annotations

from campaigns.channels import channel_next
from campaigns.exceptions import TemplateMissing
from campaigns.models import Message
from campaigns.services.scheduling import message_schedule, template_channels

# The reasons a message may try the customer's next channel: this channel is not allowed
# or cannot carry it; time-based verdicts (quiet hours, caps, staleness) are not among them.
FALLBACK_REASONS = frozenset(
    {
        "no_contact",
        "suppressed",
        "no_consent",
        "consent_withdrawn",
        "do_not_call",
        "zns_needs_purchase",
        "messenger_window",
        "provider_rejected",
    }
)
FALLBACK_SEPARATOR = ">"


def fallback_possible(*, message: Message, reason: str) -> bool:
    """Whether :func:`message_fallback` may schedule anything for this refusal."""
    return reason in FALLBACK_REASONS and bool(message.flow)


def message_fallback(*, message: Message, reason: str) -> Message | None:
    """A flow's message refused on its channel, scheduled again on the next one down.

    Rendered anew from the context kept on the row; keyed ``<key>><channel>`` so each
    fallback happens once, and the chain walks down the ranking only (``channel_next``).
    None when the reason does not allow it, no channel is left, or the next channel has
    no template.
    """
    if not fallback_possible(message=message, reason=reason):
        return None
    tried = message.idempotency_key.split(FALLBACK_SEPARATOR)[1:]
    explore = message.purpose == Message.Purpose.MARKETING
    usable = template_channels(code=message.template_code)
    while True:
        channel = channel_next(
            customer=message.customer, after=message.channel, tried=tried, explore=explore
        )
        if channel is None:
            return None
        if channel in usable:
            break
        tried.append(channel)
    try:
        return message_schedule(
            customer=message.customer,
            purpose=message.purpose,
            template_code=message.template_code,
            context=message.context or {},
            idempotency_key=f"{message.idempotency_key}{FALLBACK_SEPARATOR}{channel}",
            channel=channel,
            flow=message.flow,
            step=message.step,
            trigger_event=message.trigger_event,
            featured_variant_ids=message.featured_variant_ids or [],
        )
    except TemplateMissing:
        return None
