"""Message transports: hand one rendered message to a provider and classify its answer.

The platform owns them so that any app can send (``customers`` sends one-time codes,
``campaigns`` everything else) without importing ``campaigns``. Which class serves a
channel is a setting (``MESSAGE_TRANSPORTS``, dotted paths, like ``EMAIL_BACKEND``).
"""

from config.transports.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendError,
    SendResult,
    TransientSendError,
    Transport,
    TransportHealth,
    transport_for,
    transports_health,
)

__all__ = [
    "Channel",
    "OutgoingMessage",
    "PermanentSendError",
    "SendError",
    "SendResult",
    "TransientSendError",
    "Transport",
    "TransportHealth",
    "transport_for",
    "transports_health",
]
