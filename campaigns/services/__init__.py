"""Writes of this app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from campaigns.services.attribution import attribution_consume, attribution_consume_all
from campaigns.services.tracking import (
    WrappedContent,
    message_click_record,
    message_feedback_record,
    message_links_wrap,
    message_open_record,
)

__all__ = [
    "WrappedContent",
    "attribution_consume",
    "attribution_consume_all",
    "message_click_record",
    "message_feedback_record",
    "message_links_wrap",
    "message_open_record",
]
