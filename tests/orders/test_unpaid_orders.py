"""Unpaid web orders: a due time at placement, cancelled past it, and the "pay again" page."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation

from customers.models import Event
from inventory.models import StockLevel
from orders.models import Order, Payment
from orders.payments import card_provider
from orders.selectors import order_pay_link_path
from orders.services import order_payment_card, orders_unpaid_expire
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from orders.tasks import expire_unpaid
from tests.factories import VariantFactory, WarehouseFactory, channel_selling_from, stocked

ADDRESS = {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"}


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def shop(db):
    warehouse = WarehouseFactory()
    web = channel_selling_from(warehouse, kind="web", code="web")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 3)
    return web, warehouse, buffalo


def place(web, buffalo, method, *, quantity=1):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=quantity)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="ship", shipping_address=ADDRESS
    )
    return order_place(cart=cart, payment_method=method)


def level(buffalo, warehouse):
    return StockLevel.objects.get(variant=buffalo, location=warehouse)


@pytest.mark.django_db
@override_settings(ORDER_PAYMENT_HOURS=24)
def test_bank_transfer_and_card_orders_are_due_in_24_hours_cod_is_not(shop):
    web, _warehouse, buffalo = shop

    transfer = place(web, buffalo, "bank_transfer")
    card = place(web, buffalo, "card")
    cod = place(web, buffalo, "cod")

    assert transfer.payment_due_at == transfer.placed_at + timedelta(hours=24)
    assert card.payment_due_at == card.placed_at + timedelta(hours=24)
    assert cod.payment_due_at is None


@pytest.mark.django_db
def test_an_unpaid_transfer_is_cancelled_at_its_due_time_and_its_stock_released(shop):
    # given
    web, warehouse, buffalo = shop
    order = place(web, buffalo, "bank_transfer", quantity=2)
    assert level(buffalo, warehouse).reserved == 2

    # when: not yet due, then due
    before = orders_unpaid_expire(now=order.payment_due_at - timedelta(seconds=1))
    at_due = orders_unpaid_expire(now=order.payment_due_at)
    again = orders_unpaid_expire(now=order.payment_due_at + timedelta(hours=1))

    # then
    assert (before, at_due, again) == (0, 1, 0)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.payments.get().status == Payment.Status.FAILED
    stock = level(buffalo, warehouse)
    assert (stock.on_hand, stock.reserved) == (3, 0)
    cancelled = Event.objects.get(kind="order_cancelled")
    assert cancelled.payload["reason"] == "payment_due"


@pytest.mark.django_db
def test_a_paid_order_is_never_expired(shop):
    web, _warehouse, buffalo = shop
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        order = place(web, buffalo, "card")
        order, ok, _message = order_payment_card(order=order, provider=card_provider())

    assert (ok, order.status) == (True, Order.Status.CONFIRMED)
    assert expire_unpaid() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


@pytest.mark.django_db
def test_the_beat_task_expires_what_is_due_now(shop):
    web, _warehouse, buffalo = shop
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        order = place(web, buffalo, "bank_transfer")

    assert expire_unpaid() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


# --- the pay-again page ---------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(VIETQR_BANK_BIN="970436", VIETQR_ACCOUNT_NUMBER="0011001234567")
def test_the_pay_again_page_shows_the_vietqr_details_of_a_pending_transfer(client, shop):
    web, _warehouse, buffalo = shop
    order = place(web, buffalo, "bank_transfer")

    response = client.get(order_pay_link_path(order=order))

    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page
    assert "0011001234567" in page
    assert order.payments.get().vietqr_payload in page
    assert 'name="card_number"' not in page


@pytest.mark.django_db
def test_paying_again_by_card_confirms_the_order(client, shop):
    # given: a card order still waiting for its payment
    web, _warehouse, buffalo = shop
    order = place(web, buffalo, "card")
    path = order_pay_link_path(order=order)

    # when
    response = client.post(path, {"card_number": "4242 4242 4242 4242"})

    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert order.payments.get().provider_reference.startswith("test_")


@pytest.mark.django_db
def test_a_declined_card_is_said_and_the_order_stays_pending(client, shop):
    web, _warehouse, buffalo = shop
    order = place(web, buffalo, "card")

    response = client.post(order_pay_link_path(order=order), {"card_number": "4000000000000002"})

    assert response.status_code == 400
    assert '<p class="error" role="alert">' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.payments.get().status == Payment.Status.PENDING


@pytest.mark.django_db
def test_a_tampered_link_is_a_400_page(client, shop):
    web, _warehouse, buffalo = shop
    order = place(web, buffalo, "card")
    path = order_pay_link_path(order=order)

    response = client.post(path[:-3] + "xx/", {"card_number": "4242424242424242"})

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["paid", "cancelled", "expired"])
def test_paid_cancelled_or_expired_orders_are_refused_with_a_clear_page(client, shop, state):
    # given
    web, _warehouse, buffalo = shop
    order = place(web, buffalo, "card")
    if state == "paid":
        client.post(order_pay_link_path(order=order), {"card_number": "4242424242424242"})
    elif state == "cancelled":
        orders_unpaid_expire(now=order.payment_due_at)
    else:
        Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now())
    order.refresh_from_db()
    status_before = order.status

    # when
    response = client.post(order_pay_link_path(order=order), {"card_number": "4242424242424242"})

    # then
    assert response.status_code == 409
    assert {
        "paid": "already paid",
        "cancelled": "was cancelled",
        "expired": "time to pay this order has passed",
    }[state] in response.content.decode()
    order.refresh_from_db()
    assert order.status == status_before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_cancel_each_order_once(shop):
    # given
    web, warehouse, buffalo = shop
    orders = [place(web, buffalo, "bank_transfer") for _ in range(3)]
    due = max(order.payment_due_at for order in orders)
    results = []

    def sweep():
        try:
            results.append(orders_unpaid_expire(now=due))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sum(results) == 3
    assert Event.objects.filter(kind="order_cancelled").count() == 3
    assert level(buffalo, warehouse).reserved == 0
