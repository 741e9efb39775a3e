"""Writes of this app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from campaigns.services.scheduling import (
    message_idempotency_key,
    message_schedule,
    template_for,
)
from campaigns.services.sending import (
    SendSummary,
    message_claim_due,
    message_recover_stuck,
    message_send_claimed,
    message_send_due,
    retry_delay,
)
from campaigns.services.staff import Resolution, message_uncertain_resolve

__all__ = [
    "Resolution",
    "SendSummary",
    "message_claim_due",
    "message_idempotency_key",
    "message_recover_stuck",
    "message_schedule",
    "message_send_claimed",
    "message_send_due",
    "message_uncertain_resolve",
    "retry_delay",
    "template_for",
]
