"""Models of the campaigns app (STYLE.md: a package once it grows)."""

from campaigns.models.outbox import (
    DoNotCall,
    Message,
    MessageTemplate,
    Suppression,
)

__all__ = ["DoNotCall", "Message", "MessageTemplate", "Suppression"]
