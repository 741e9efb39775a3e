"""Card payments through a provider interface.

The web store charges a card through whatever :class:`CardProvider` the setting
``CARD_PAYMENT_PROVIDER`` names (a dotted path to a class taking the shopper's card
token). Every charge carries an idempotency key (the order's reference and its payment
row), so a charge repeated after a timeout is charged once by a provider that honours it;
a charge whose order is refused afterwards is voided.

The default, :class:`TestCardProvider`, never leaves the machine: it approves every card
except :data:`DECLINED_TEST_CARD`, so the declined path can be exercised. It refuses to
start with ``DEBUG`` off unless ``ALLOW_TEST_CARD_PROVIDER`` says so (the deploy check,
``orders.checks``, says the same before any request).
"""

import secrets
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# The one test card that is declined (the same number card networks use in their tests).
DECLINED_TEST_CARD = "4000000000000002"
TEST_PROVIDER = "orders.payments.TestCardProvider"


class CardProvider(Protocol):
    def charge(self, order, amount: Decimal, *, idempotency_key: str) -> tuple[bool, str, str]:
        """Charge ``amount`` for ``order``: ``(ok, provider reference, message)``.

        The same ``idempotency_key`` sent again must not charge twice."""

    def void(self, reference: str, *, idempotency_key: str) -> bool:
        """Cancel the approved charge ``reference`` before it settles; True when voided."""


def test_provider_allowed() -> bool:
    return settings.DEBUG or settings.ALLOW_TEST_CARD_PROVIDER


class TestCardProvider:
    """Approves every card but :data:`DECLINED_TEST_CARD`; no network, no money moves.

    Like a real provider it answers a repeated idempotency key with the first approval.
    """

    __test__ = False  # not a pytest test class, whatever its name
    approved: dict[str, str] = {}
    voided: list[str] = []

    def __init__(self, *, card_token: str = ""):
        if not test_provider_allowed():
            raise ImproperlyConfigured(
                "The test card provider approves every card: set CARD_PAYMENT_PROVIDER to a "
                "real provider (or ALLOW_TEST_CARD_PROVIDER=true on a staging site)."
            )
        self.card_token = "".join(card_token.split())

    def charge(self, order, amount: Decimal, *, idempotency_key: str) -> tuple[bool, str, str]:
        if self.card_token == DECLINED_TEST_CARD:
            return False, "", _("The card was declined by the bank.")
        reference = TestCardProvider.approved.setdefault(
            idempotency_key, f"test_{secrets.token_hex(8)}"
        )
        return True, reference, _("Approved.")

    def void(self, reference: str, *, idempotency_key: str) -> bool:
        TestCardProvider.voided.append(reference)
        return True


def card_provider(*, card_token: str = "") -> CardProvider:
    """The configured provider, ready to charge the card the shopper gave."""
    return import_string(settings.CARD_PAYMENT_PROVIDER)(card_token=card_token)
