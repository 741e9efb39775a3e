"""Models of the campaigns app (STYLE.md: a package once it grows)."""

from campaigns.models.flows import CallTask, Flow, FlowEnrolment
from campaigns.models.outbox import (
    DoNotCall,
    Message,
    MessageTemplate,
    Suppression,
)
from campaigns.models.tracking import (
    Attribution,
    CallListCustomer,
    ConsumerCursor,
    MessageActivity,
    MessageLink,
)

__all__ = [
    "Attribution",
    "CallListCustomer",
    "CallTask",
    "ConsumerCursor",
    "DoNotCall",
    "Flow",
    "FlowEnrolment",
    "Message",
    "MessageActivity",
    "MessageLink",
    "MessageTemplate",
    "Suppression",
]
