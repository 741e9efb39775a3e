"""Models of the campaigns app (STYLE.md: a package once it grows)."""

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
    "ConsumerCursor",
    "DoNotCall",
    "Message",
    "MessageActivity",
    "MessageLink",
    "MessageTemplate",
    "Suppression",
]
