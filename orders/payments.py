"""Card payments through a provider interface.

The web store charges a card through whatever :class:`CardProvider` the setting
``CARD_PAYMENT_PROVIDER`` names (a dotted path to a class taking the shopper's card
token). The default, :class:`TestCardProvider`, never leaves the machine: it approves
every card except :data:`DECLINED_TEST_CARD`, so the declined path can be exercised.
"""

import secrets
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

# The one test card that is declined (the same number card networks use in their tests).
DECLINED_TEST_CARD = "4000000000000002"


class CardProvider(Protocol):
    def charge(self, order, amount: Decimal) -> tuple[bool, str, str]:
        """Charge ``amount`` for ``order``: ``(ok, provider reference, message)``."""


class TestCardProvider:
    """Approves every card but :data:`DECLINED_TEST_CARD`; no network, no money moves."""

    def __init__(self, *, card_token: str = ""):
        self.card_token = "".join(card_token.split())

    def charge(self, order, amount: Decimal) -> tuple[bool, str, str]:
        if self.card_token == DECLINED_TEST_CARD:
            return False, "", _("The card was declined by the bank.")
        return True, f"test_{secrets.token_hex(8)}", _("Approved.")


def card_provider(*, card_token: str = "") -> CardProvider:
    """The configured provider, ready to charge the card the shopper gave."""
    return import_string(settings.CARD_PAYMENT_PROVIDER)(card_token=card_token)
