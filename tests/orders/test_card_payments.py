"""Card payments: an idempotency key on every charge, a void when the order is refused
afterwards, no test provider on a real site, and a card number never echoed."""

from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from orders.models import Order, Payment
from orders.payments import TestCardProvider
from orders.services import cart_get_or_create, cart_line_set, checkout_start, order_place
from orders.services.checkout import web_channel
from orders.services.lifecycle import order_cancel
from orders.services.payments import order_payment_card
from tests.factories import VariantFactory, WarehouseFactory, channel_selling_from, stocked

ADDRESS = {"line1": "25 Hàng Giấy", "city": "Hà Nội"}


@pytest.fixture
def jar():
    warehouse = WarehouseFactory()
    channel_selling_from(warehouse, kind="web", code="web")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, warehouse, 5)
    return jar


def card_order(jar):
    cart = cart_get_or_create(channel=web_channel())
    cart_line_set(cart=cart, variant_id=jar.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="ship", shipping_address=ADDRESS
    )
    return order_place(cart=cart, payment_method="card")


class CancelledMeanwhile:
    """A provider that approves, while the shop cancels the order during the call."""

    def __init__(self):
        self.voided = []

    def charge(self, order, amount, *, idempotency_key):
        order_cancel(order=Order.objects.get(pk=order.pk), reason="staff cancelled it")
        return True, "ch_123", "Approved."

    def void(self, reference, *, idempotency_key):
        self.voided.append((reference, idempotency_key))
        return True


@pytest.mark.django_db
def test_a_charge_for_an_order_refused_afterwards_is_voided(jar):
    order = card_order(jar)
    provider = CancelledMeanwhile()
    payment = order.payments.get()

    order, ok, message = order_payment_card(order=order, provider=provider)

    assert ok is False
    assert message == "The order could not be confirmed any more; the charge was cancelled."
    assert provider.voided == [("ch_123", f"order:{order.number}:payment:{payment.pk}")]
    assert order.status == "cancelled"
    payment.refresh_from_db()
    assert (payment.status, payment.provider_reference) == (Payment.Status.PENDING, "")


@pytest.mark.django_db
def test_the_test_provider_charges_one_idempotency_key_once(jar):
    provider = TestCardProvider(card_token="4242 4242 4242 4242")
    order = card_order(jar)

    first = provider.charge(order, Decimal(85000), idempotency_key="order:WEB-000001:payment:1")
    again = provider.charge(order, Decimal(85000), idempotency_key="order:WEB-000001:payment:1")

    assert first == again
    assert first[0] is True


def test_the_test_provider_refuses_to_start_with_debug_off(settings):
    settings.DEBUG = False
    settings.ALLOW_TEST_CARD_PROVIDER = False

    with pytest.raises(ImproperlyConfigured, match="approves every card"):
        TestCardProvider(card_token="4242424242424242")


@pytest.mark.parametrize(
    ("provider", "allowed", "errors"),
    [
        ("orders.payments.TestCardProvider", False, ["orders.E001"]),
        ("orders.payments.TestCardProvider", True, []),
        ("shop_payments.RealProvider", False, []),
    ],
)
def test_the_deploy_check_fails_on_the_test_provider_unless_allowed(
    settings, provider, allowed, errors
):
    settings.CARD_PAYMENT_PROVIDER = provider
    settings.ALLOW_TEST_CARD_PROVIDER = allowed

    found = [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("orders")]

    assert found == errors


@pytest.mark.django_db
def test_the_payment_page_shown_again_never_echoes_the_card_number(jar):
    shopper = Client(HTTP_ACCEPT_LANGUAGE="en")
    shopper.post("/cart/add/", {"variant_id": jar.pk, "quantity": 1})
    shopper.post("/checkout/", {"contact_name": "Toản", "contact_phone": "0909908089",
                                "fulfilment": "ship", "line1": "25 Hàng Giấy",
                                "province_code": "01", "ward_code": "00070"})  # fmt: skip

    # when: the total the shopper saw is no longer the total (the page comes back)
    response = shopper.post(
        "/checkout/pay/",
        {"payment_method": "card", "card_number": "4111 1111 1111 1111",
         "expected_total_amount": "80000"},
    )  # fmt: skip

    # then: the new total is shown, the card box is empty, nothing was placed or charged
    page = response.content.decode()
    assert response.status_code == 400
    assert "The total is now shown below" in page
    assert "4111" not in page
    assert 'name="card_number"' in page
    assert not Order.objects.exists()
