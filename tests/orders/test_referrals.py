"""Referral codes at web checkout and at the till; the referrer's reward and its reversal."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone, translation
from rest_framework.test import APIClient

from customers.models import Customer, Event, LoyaltyEntry
from customers.selectors import loyalty_balance
from customers.services import referral_code_ensure
from orders.exceptions import ReferralCodeInvalid
from orders.models import Order, VoucherCode
from orders.services import ReturnLineInput, order_complete, order_return, order_ship
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

ADDRESS = {"line1": "12 Trần Duy Hưng", "district": "Cầu Giấy", "city": "Hà Nội"}


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def shop(db):
    warehouse = WarehouseFactory()
    store = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(warehouse, kind="web", code="web")
    channel_selling_from(store, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    buffalo = VariantFactory(sku="TT-500G", price_amount=Decimal(600000))
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    for location in (warehouse, store):
        stocked(buffalo, location, 10)
        stocked(spice, location, 10)
    referrer = customer_with(phone="+84909908089", full_name="Toản")
    code = referral_code_ensure(customer=referrer)
    return web, api, store, buffalo, spice, referrer, code


def web_checkout(web, variant, *, phone, referral_code="", method="cod"):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone=phone, fulfilment="ship", shipping_address=ADDRESS
    )
    return order_place(cart=cart, payment_method=method, referral_code=referral_code)


def deliver(order):
    order_ship(order=order, actor=StaffFactory())
    return order_complete(order=Order.objects.get(pk=order.pk))


def rewarded():
    return list(Event.objects.filter(kind="referral_rewarded"))


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500")
def test_a_friends_600k_web_order_rewards_the_referrer_once_it_completes(shop):
    # given
    web, _api, _store, buffalo, _spice, referrer, code = shop

    # when: the friend types the code at checkout; the order is delivered
    order = web_checkout(web, buffalo, phone="0912345678", referral_code=code.lower())
    assert rewarded() == []  # placed is not completed
    deliver(order)

    # then
    friend = Customer.objects.get(pk=order.customer_id)
    assert friend.referred_by == referrer
    assert loyalty_balance(customer=referrer) == 500
    (event,) = rewarded()
    assert event.customer == referrer
    assert event.payload["friend_id"] == friend.pk
    assert event.payload["order_id"] == order.pk


@pytest.mark.django_db
def test_the_reward_is_given_once_per_friend(shop):
    web, _api, _store, buffalo, _spice, referrer, code = shop
    deliver(web_checkout(web, buffalo, phone="0912345678", referral_code=code))

    deliver(web_checkout(web, buffalo, phone="0912345678"))

    assert len(rewarded()) == 1
    assert LoyaltyEntry.objects.filter(customer=referrer).count() == 1


@pytest.mark.django_db
def test_an_order_below_the_threshold_rewards_nothing(shop):
    web, _api, _store, _buffalo, spice, referrer, code = shop

    deliver(web_checkout(web, spice, phone="0912345678", referral_code=code))

    assert rewarded() == []
    assert loyalty_balance(customer=referrer) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["own", "unknown"])
def test_the_buyers_own_or_an_unknown_code_is_refused_and_nothing_is_written(shop, case):
    # given
    web, _api, _store, buffalo, _spice, _referrer, code = shop
    typed = code if case == "own" else "NOPE123"

    # when: the referrer types their own code (same phone), or a code nobody has
    with pytest.raises(ReferralCodeInvalid) as error:
        web_checkout(web, buffalo, phone="0909 908 089", referral_code=typed)

    # then
    assert error.value.code == "referral_code_invalid"
    assert list(error.value.fields) == ["referral_code"]
    assert not Order.objects.exists()
    assert not Event.objects.filter(kind__in=["referral_recorded", "order_placed"]).exists()
    assert Customer.objects.filter(referred_by__isnull=False).count() == 0


@pytest.mark.django_db
def test_the_checkout_page_shows_a_refused_code_on_its_field(client, shop):
    _web, _api, _store, buffalo, _spice, _referrer, _code = shop
    client.post("/cart/add/", {"variant_id": buffalo.pk, "quantity": 1})
    started = client.post(
        "/checkout/",
        {"contact_name": "Lan", "contact_phone": "0912345678", "contact_email": "",
         "fulfilment": "ship", "line1": "12 Trần Duy Hưng",
         "province_code": "01", "ward_code": "00070"},
    )  # fmt: skip
    assert started.status_code == 302, started.context["form"].errors

    response = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "referral_code": "NOPE123", "expected_total_amount": "600000"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors.get("referral_code")
    assert not Order.objects.exists()


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500")
def test_the_till_takes_a_referral_code_and_the_completed_sale_rewards_at_once(shop):
    # given
    _web, api, _store, _buffalo, _spice, referrer, code = shop
    friend = customer_with(phone="+84912345678")

    # when
    response = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": "TT-500G", "quantity": 1}],
            "payments": [{"method": "cash", "amount": "600000"}],
            "customer_id": friend.pk,
            "referral_code": code,
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    friend.refresh_from_db()
    assert friend.referred_by == referrer
    assert loyalty_balance(customer=referrer) == 500


@pytest.mark.django_db
def test_the_till_refuses_the_buyers_own_code_with_a_400_and_writes_nothing(shop):
    _web, api, _store, _buffalo, _spice, referrer, code = shop

    response = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": "TT-500G", "quantity": 1}],
            "payments": [{"method": "cash", "amount": "600000"}],
            "customer_id": referrer.pk,
            "referral_code": code,
        },
        format="json",
    )

    assert response.status_code == 400
    assert (response.json()["code"], list(response.json()["fields"])) == (
        "referral_code_invalid",
        ["referral_code"],
    )
    assert not Order.objects.exists()


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_return_within_the_window_takes_the_reward_back(shop):
    # given
    web, _api, store, buffalo, _spice, referrer, code = shop
    order = deliver(web_checkout(web, buffalo, phone="0912345678", referral_code=code))

    # when
    order_return(
        order=order,
        location=store,
        lines=[ReturnLineInput(order_line_id=order.lines.get().pk, quantity=1)],
        reason="damaged",
        refund_method="cash",
    )

    # then
    assert loyalty_balance(customer=referrer) == 0
    reversed_event = Event.objects.get(kind="referral_reversed")
    assert reversed_event.customer == referrer
    assert reversed_event.payload["order_id"] == order.pk


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_return_after_the_window_keeps_the_reward(shop):
    web, _api, store, buffalo, _spice, referrer, code = shop
    order = deliver(web_checkout(web, buffalo, phone="0912345678", referral_code=code))

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        order_return(
            order=order,
            location=store,
            lines=[ReturnLineInput(order_line_id=order.lines.get().pk, quantity=1)],
            reason="damaged",
            refund_method="cash",
        )

    assert loyalty_balance(customer=referrer) == 500
    assert not Event.objects.filter(kind="referral_reversed").exists()


# --- partial returns: the reward stands while what the friend keeps still qualifies ----------


def web_checkout_both(web, buffalo, spice, *, phone, referral_code=""):
    """A friend's web order of 600,000 đ of buffalo and 85,000 đ of spice, delivered."""
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone=phone, fulfilment="ship", shipping_address=ADDRESS
    )
    return deliver(order_place(cart=cart, payment_method="cod", referral_code=referral_code))


def bring_back(order, store, sku):
    line = order.lines.get(sku=sku)
    record, _created = order_return(
        order=Order.objects.get(pk=order.pk),
        location=store,
        lines=[ReturnLineInput(order_line_id=line.pk, quantity=1)],
        reason="Không hợp khẩu vị",
        refund_method="cash",
    )
    return record


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_partial_return_below_the_threshold_takes_the_reward_back(shop):
    # given: a friend's 685,000 đ order that rewarded the referrer
    web, _api, store, buffalo, spice, referrer, code = shop
    order = web_checkout_both(web, buffalo, spice, phone="0912345678", referral_code=code)
    assert loyalty_balance(customer=referrer) == 500

    # when: the buffalo comes back a week later; the friend keeps the 85,000 đ spice
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        bring_back(order, store, "TT-500G")

    # then: what is kept is below 500,000 đ, so the reward goes
    order.refresh_from_db()
    assert order.status == "partially_returned"
    assert loyalty_balance(customer=referrer) == 0
    (reversed_event,) = Event.objects.filter(kind="referral_reversed")
    assert reversed_event.customer == referrer
    assert reversed_event.payload["kept_amount"] == str(int(order.total_amount) - 600000)
    assert reversed_event.payload["points"] == 500


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_partial_return_that_keeps_it_over_the_threshold_keeps_the_reward(shop):
    # given
    web, _api, store, buffalo, spice, referrer, code = shop
    order = web_checkout_both(web, buffalo, spice, phone="0912345678", referral_code=code)

    # when: only the spice comes back; 600,000 đ and more is kept
    bring_back(order, store, "MK-100G")

    # then: the reward stands
    assert loyalty_balance(customer=referrer) == 500
    assert not Event.objects.filter(kind="referral_reversed").exists()

    # and when the buffalo follows within the window, nothing worth the reward is kept
    bring_back(order, store, "TT-500G")
    assert loyalty_balance(customer=referrer) == 0
    assert Event.objects.filter(kind="referral_reversed").count() == 1


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_RETURN_DAYS=14)
def test_a_partial_return_below_the_threshold_after_the_window_keeps_the_reward(shop):
    web, _api, store, buffalo, spice, referrer, code = shop
    order = web_checkout_both(web, buffalo, spice, phone="0912345678", referral_code=code)

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        bring_back(order, store, "TT-500G")

    assert loyalty_balance(customer=referrer) == 500
    assert not Event.objects.filter(kind="referral_reversed").exists()


@pytest.mark.django_db
@override_settings(REFERRAL_REWARD="points:500", REFERRAL_MIN_ORDER_AMOUNT=0)
def test_a_full_return_takes_the_reward_back_even_without_a_threshold(shop):
    # given: any order rewards (no threshold)
    web, _api, store, buffalo, _spice, referrer, code = shop
    order = deliver(web_checkout(web, buffalo, phone="0912345678", referral_code=code))
    assert loyalty_balance(customer=referrer) == 500

    # when: everything comes back (the shipping fee stays kept, over the 0 đ threshold)
    bring_back(order, store, "TT-500G")

    # then: nothing of the purchase is kept: the reward goes, once
    assert loyalty_balance(customer=referrer) == 0
    assert Event.objects.filter(kind="referral_reversed").count() == 1


@pytest.mark.django_db
def test_a_voucher_reward_is_a_single_use_code_withdrawn_on_return(shop, settings):
    # given
    web, _api, store, buffalo, _spice, _referrer, code = shop
    voucher = VoucherFactory(code=None, name="Cảm ơn bạn")
    settings.REFERRAL_REWARD = f"voucher:{voucher.pk}"

    # when
    order = deliver(web_checkout(web, buffalo, phone="0912345678", referral_code=code))

    # then
    (event,) = rewarded()
    issued = VoucherCode.objects.get(voucher=voucher)
    assert event.payload["voucher_code"] == issued.code
    assert issued.used_at is None

    order_return(
        order=order,
        location=store,
        lines=[ReturnLineInput(order_line_id=order.lines.get().pk, quantity=1)],
        reason="damaged",
        refund_method="cash",
    )
    issued.refresh_from_db()
    assert issued.used_at is not None


# --- the friend's welcome voucher -----------------------------------------------------------


@pytest.mark.django_db
def test_a_new_friend_gets_the_welcome_voucher_on_the_order_with_the_code(shop, settings):
    # given
    web, _api, _store, buffalo, _spice, _referrer, code = shop
    welcome = VoucherFactory(code=None, value=Decimal(50000), first_order_only=True)
    settings.REFERRAL_WELCOME_VOUCHER_ID = welcome.pk

    # when
    order = web_checkout(web, buffalo, phone="0912345678", referral_code=code)

    # then
    issued = VoucherCode.objects.get(voucher=welcome)
    assert issued.customer_id == order.customer_id
    assert (order.voucher_code, order.total_amount) == (issued.code, Decimal(550000))


@pytest.mark.django_db
def test_a_friend_who_ordered_before_keeps_the_referral_but_gets_no_welcome(shop, settings):
    # given: the friend already bought once
    web, _api, _store, buffalo, _spice, referrer, code = shop
    welcome = VoucherFactory(code=None, value=Decimal(50000), first_order_only=True)
    settings.REFERRAL_WELCOME_VOUCHER_ID = welcome.pk
    web_checkout(web, buffalo, phone="0912345678")

    # when
    order = web_checkout(web, buffalo, phone="0912345678", referral_code=code)

    # then
    assert (order.voucher_code, order.total_amount) == ("", Decimal(600000))
    assert Customer.objects.get(pk=order.customer_id).referred_by == referrer
    assert welcome.redemptions.count() == 0
    assert not welcome.codes.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_of_one_friend_completing_at_once_reward_once(shop):
    # given: a referred friend with two shipped orders
    web, _api, _store, buffalo, _spice, referrer, code = shop
    first = web_checkout(web, buffalo, phone="0912345678", referral_code=code)
    second = web_checkout(web, buffalo, phone="0912345678")
    for order in (first, second):
        order_ship(order=order, actor=StaffFactory())
    barrier = threading.Barrier(2)

    def complete(order_id):
        try:
            barrier.wait()
            order_complete(order=Order.objects.get(pk=order_id))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=complete, args=(o.pk,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert Order.objects.filter(status="completed").count() == 2
    assert len(rewarded()) == 1
    assert loyalty_balance(customer=referrer) == 500
