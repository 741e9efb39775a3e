"""Every flow that waits for the shopper exits when she buys, whichever door she buys through:
the web store's pages, the showroom's till (found by phone), or a marketplace (its signed
webhook, processed by the beat's sweep).

The after-purchase flows (store thank-you, review request, review thank-you) are started by a
purchase and deliberately do not end on the next one: a second order does not make the
first one's thank-you or review request moot. ``test_after_purchase_flows_go_on`` pins that.
"""

from datetime import timedelta

import pytest
from django.test import Client

from campaigns.models import FlowEnrolment, Message
from customers.models import Event
from orders.payments import DECLINED_TEST_CARD
from tests.campaigns.journey import (
    CAU_GIAY_ADDRESS,
    add_to_cart,
    beat,
    checkout_contact,
    checkout_pay,
    flows_on,
    local,
    shop_setup,
    sign_up,
)
from tests.orders.marketplace_setup import sim_shop

pytestmark = pytest.mark.django_db(transaction=True)

DOORS = ["web", "pos", "marketplace"]


@pytest.fixture
def shop(settings):
    flows_on()
    shop = shop_setup()
    shopee = sim_shop(settings, platform="shopee", store=shop.showroom)
    shopee.map(shop.salt, "100", quantity=10)
    shop.shopee = shopee
    yield shop
    shopee.sim.stop()


def buy(door: str, shop, web: Client) -> None:
    """Hoa buys a jar of salt through ``door``."""
    if door == "web":
        add_to_cart(web, shop.salt)
        checkout_contact(web, address=CAU_GIAY_ADDRESS)
        checkout_pay(web)
    elif door == "pos":
        shop.till_sale(phone="0909 908 089", sku="MK-100G")
    else:
        sim = shop.shopee.sim
        assert sim.buy("SN-1", [("100", "", 1, 85000)], buyer_phone="0909908089", buyer_name="Hoa")
        sim.deliver(lambda delivery: shop.shopee.post(Client(), delivery))


def web_order(web: Client, shop, **payment):
    add_to_cart(web, shop.buffalo)
    checkout_contact(web, address=CAU_GIAY_ADDRESS)
    return checkout_pay(web, **payment)


# What Hoa left waiting, at 10:00, and when its first message would be due.
def left_cart(web, shop):
    add_to_cart(web, shop.buffalo, quantity=2)
    return local(19)


def left_checkout(web, shop):
    add_to_cart(web, shop.buffalo, quantity=2)
    checkout_contact(web, address=CAU_GIAY_ADDRESS)
    return local(10, 30)


def left_unpaid(web, shop):
    order = web_order(web, shop, payment_method="bank_transfer")
    assert order.status == "pending_payment"
    return local(16)


def left_failed_card(web, shop):
    order = web_order(web, shop, payment_method="card", card_number=DECLINED_TEST_CARD)
    assert order.status == "pending_payment"
    assert Event.objects.filter(kind="payment_failed", payload__order_id=order.pk).exists()
    return local(10, 2)


LEFT = {
    "cart_abandoned": left_cart,
    "checkout_abandoned": left_checkout,
    "unpaid_order": left_unpaid,
    "payment_failed": left_failed_card,
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("flow", list(LEFT))
def test_every_flow_exits_on_a_purchase_through_each_door(shop, time_machine, flow, door):
    # given: at 10:00 Hoa (signed up on the store) leaves something waiting for ``flow``
    web = Client()
    time_machine.move_to(local(10), tick=False)
    sign_up(web)
    due = LEFT[flow](web, shop)
    beat(time_machine, local(10, 0) + timedelta(seconds=20))
    assert FlowEnrolment.objects.filter(flow__code=flow, state="active").count() == 1

    # when: 40 seconds later she buys through ``door``, and the jobs run when the step is due
    time_machine.move_to(local(10, 0) + timedelta(seconds=40), tick=False)
    buy(door, shop, web)
    beat(time_machine, local(10, 0) + timedelta(seconds=50))
    beat(time_machine, due)
    beat(time_machine, due + timedelta(days=3))

    # then: the flow said nothing, and ended on the purchase
    assert not Message.objects.filter(flow=flow).exists()
    ended = set(FlowEnrolment.objects.filter(flow__code=flow).values_list("state", "exit_reason"))
    if door == "web" and flow in ("cart_abandoned", "checkout_abandoned"):
        # On the web the purchase starts with a checkout: it takes over from the waiting
        # cart or checkout, and that checkout's enrolment ends on the order.
        assert ended <= {("exited", "superseded"), ("exited", "ordered")}
        latest = FlowEnrolment.objects.filter(flow__code="checkout_abandoned").latest("id")
        assert latest.exit_reason == "ordered"
        assert not Message.objects.filter(flow="checkout_abandoned").exists()
    else:
        assert ended == {("exited", "ordered")}


@pytest.mark.parametrize("door", DOORS)
def test_after_purchase_flows_go_on(shop, time_machine, door):
    # given: a sale at the till on Monday 10:00
    web = Client()
    time_machine.move_to(local(10), tick=False)
    sign_up(web)
    first = shop.till_sale(phone="0909 908 089", sku="TRAU-1KG")

    # when: a minute later she buys again through ``door``
    time_machine.move_to(local(10, 1), tick=False)
    buy(door, shop, web)
    beat(time_machine, local(10, 2))
    beat(time_machine, local(10, 10))
    beat(time_machine, local(10, days=2))

    # then: the first sale's thank-you and review request still went out
    thanks = Message.objects.filter(flow="store_thank_you", state="sent")
    assert any(first.number in message.body for message in thanks)
    enrolment = FlowEnrolment.objects.get(flow__code="review_request", context__order_id=first.pk)
    request = Message.objects.get(flow="review_request", trigger_event=enrolment.trigger_event)
    assert request.state == "sent"
    assert "Thịt trâu gác bếp" in request.body
