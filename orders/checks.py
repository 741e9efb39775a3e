"""System checks of the orders app (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from orders.payments import TEST_PROVIDER


@register(Tags.security, deploy=True)
def test_card_provider_check(app_configs, **kwargs):
    """A site deployed with the test card provider would approve every card number."""
    if settings.CARD_PAYMENT_PROVIDER != TEST_PROVIDER or settings.ALLOW_TEST_CARD_PROVIDER:
        return []
    return [
        Error(
            "CARD_PAYMENT_PROVIDER is the test provider, which approves every card.",
            hint="Set CARD_PAYMENT_PROVIDER to a real provider's class, or "
            "ALLOW_TEST_CARD_PROVIDER=true for a staging site that takes no real money.",
            id="orders.E001",
        )
    ]
