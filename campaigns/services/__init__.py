"""Writes of this app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from campaigns.services.answers import retry_delay
from campaigns.services.attribution import attribution_consume, attribution_consume_all
from campaigns.services.recovery import message_recover_stuck
from campaigns.services.scheduling import (
    MessageRequest,
    message_idempotency_key,
    message_schedule,
    message_schedule_many,
    template_for,
)
from campaigns.services.sending import (
    SendSummary,
    message_claim_due,
    message_send_claimed,
    message_send_due,
)
from campaigns.services.staff import Resolution, call_tasks_done, message_uncertain_resolve
from campaigns.services.tracking import (
    WrappedContent,
    message_click_record,
    message_feedback_record,
    message_links_wrap,
    message_open_record,
)

__all__ = [
    "MessageRequest",
    "Resolution",
    "SendSummary",
    "WrappedContent",
    "attribution_consume",
    "attribution_consume_all",
    "call_tasks_done",
    "message_claim_due",
    "message_click_record",
    "message_feedback_record",
    "message_idempotency_key",
    "message_links_wrap",
    "message_open_record",
    "message_recover_stuck",
    "message_schedule",
    "message_schedule_many",
    "message_send_claimed",
    "message_send_due",
    "message_uncertain_resolve",
    "retry_delay",
    "template_for",
]
