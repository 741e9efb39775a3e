"""A referred friend's marketplace order: rewarded when delivered, and what comes back takes
back what it earned, whether the buyer returns it or the parcel never reaches them.

Through the marketplace's door: the simulated platform's signed webhooks, then the job that
processes them (``webhook_event_process``, what the beat's sweep runs).
"""

from decimal import Decimal

import pytest
from django.test import override_settings

from customers.models import Event, LoyaltyEntry
from customers.selectors import loyalty_balance
from customers.services import referral_code_ensure, referral_record
from orders.marketplaces.services import webhook_event_process, webhook_events_pending
from orders.models import Order, Return
from tests.factories import customer_with
from tests.orders.marketplace_setup import jar, sim_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopee(settings):
    setup = sim_shop(settings, platform="shopee")
    tea = jar(sku="TT-500G", price=600000, stock=10, store=setup.store)
    setup.map(tea, "100", quantity=10)
    yield setup
    setup.sim.stop()


@pytest.fixture
def friends(db):
    """Hoa, and Lan who entered Hoa's referral code."""
    hoa = customer_with(phone="+84909908089", full_name="Hoa")
    lan = customer_with(phone="+84912345678", full_name="Lan")
    referral_record(customer=lan, code=referral_code_ensure(customer=hoa))
    return hoa, lan


def notices(shopee, client, *statuses) -> Order:
    """The platform moves order SN-1 through ``statuses``; our job processes each notice."""
    for status in statuses:
        shopee.sim.set_status("SN-1", status)
    shopee.sim.deliver(lambda delivery: shopee.post(client, delivery))
    for pk in webhook_events_pending():
        webhook_event_process(event_pk=pk)
    return Order.objects.get(external_ref="SN-1")


def lan_buys(shopee, client) -> Order:
    assert shopee.sim.buy("SN-1", [("100", "", 1, 600000)], buyer_phone="0912345678")
    return notices(shopee, client)


@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_delivered_order_returned_through_the_marketplace_takes_back_points_and_reward(
    client, shopee, friends
):
    # given: Lan's 600,000 đ Shopee order is delivered: her points, Hoa's reward
    hoa, lan = friends
    order = lan_buys(shopee, client)
    order = notices(shopee, client, "shipped", "delivered")
    assert (order.status, order.customer_id) == ("completed", lan.pk)
    assert (loyalty_balance(customer=lan), loyalty_balance(customer=hoa)) == (60, 500)

    # when: she sends it back through Shopee
    order = notices(shopee, client, "returned")

    # then: the goods are back, and both what she earned and Hoa's reward are taken back
    assert order.status == "returned"
    assert (loyalty_balance(customer=lan), loyalty_balance(customer=hoa)) == (0, 0)
    (reversed_event,) = Event.objects.filter(kind="referral_reversed")
    assert (reversed_event.customer_id, reversed_event.payload["order_id"]) == (hoa.pk, order.pk)


@override_settings(REFERRAL_REWARD="points:500")
def test_a_parcel_returned_undelivered_leaves_no_points_nor_reward(client, shopee, friends):
    # given: Lan's order is on its way
    hoa, lan = friends
    lan_buys(shopee, client)
    order = notices(shopee, client, "shipped")
    assert order.status == "shipped"

    # when: the parcel comes back without reaching her; later a stale "delivered" arrives
    order = notices(shopee, client, "returned")
    order = notices(shopee, client, "delivered")

    # then: the order is returned (one return, the whole amount refunded); she never had
    # the goods, so nobody earned anything and nothing is left to take back
    assert order.status == "returned"
    (record,) = Return.objects.filter(order=order)
    assert record.refund_amount == Decimal(600000)
    assert record.points_reversed == 0
    assert LoyaltyEntry.objects.filter(customer__in=[hoa, lan]).count() == 0
    assert not Event.objects.filter(kind__in=["referral_rewarded", "referral_reversed"]).exists()
