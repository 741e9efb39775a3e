"""The unified customer profile and everything hung on it, one module per subject
(re-exported here: Django finds the app's models through ``customers.models``).

Append-only records (consent, the timeline, the loyalty ledger) refuse to be changed or
deleted through the ORM's ``save``/``delete``; only the merge and erasure services rewrite
them, with queryset updates, because the law and the audit require exactly those changes.
"""

from customers.models.profiles import (
    ContactPoint,
    Customer,
    CustomerMerge,
    MergeSuggestion,
    default_language,
)
from customers.models.records import (
    AppendOnlyError,
    AppendOnlyModel,
    ConsentRecord,
    CurrentTransactionId,
    Event,
    LoyaltyEntry,
)
from customers.models.shopping import Review, WishlistItem
from customers.models.verification import OneTimeCode

__all__ = [
    "AppendOnlyError",
    "AppendOnlyModel",
    "ConsentRecord",
    "ContactPoint",
    "CurrentTransactionId",
    "Customer",
    "CustomerMerge",
    "Event",
    "LoyaltyEntry",
    "MergeSuggestion",
    "OneTimeCode",
    "Review",
    "WishlistItem",
    "default_language",
]
