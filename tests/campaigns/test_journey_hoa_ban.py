"""The Hoa Ban Food journey, through the real doors, with the clock moved by time-machine.

The shopper and her friend on the web store's pages, the cashier on the POS API, the review
through its signed link, the scheduled jobs as the beat runs them (``tests.campaigns.journey``).
Then the negative twins: bought at the till before the evening, bought the product yesterday,
an abandonment at 23:00.
"""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from campaigns.models import Flow, FlowEnrolment, Message
from customers.models import Customer, Event, LoyaltyEntry
from orders.models import Order, VoucherCode
from tests.campaigns import transports
from tests.campaigns.journey import (
    CAU_GIAY_ADDRESS,
    EMAIL,
    PHONE,
    add_to_cart,
    beat,
    checkout_contact,
    checkout_pay,
    flows_on,
    local,
    log_in,
    shop_setup,
    sign_up,
)
from tests.factories import VariantFactory, VoucherFactory, stocked

pytestmark = pytest.mark.django_db(transaction=True)

PSID = "6723481953012345"


@pytest.fixture
def shop():
    flows_on()
    return shop_setup()


def sent_to(address: str) -> list:
    """What the providers were handed for ``address`` (the sign-up codes aside)."""
    return [
        sent
        for sent in transports.SENT
        if sent.to == address and not sent.idempotency_key.startswith("one-time-code:")
    ]


def hoa_messages() -> list[tuple[str, str, str, str]]:
    hoa = Customer.objects.get(contact_points__value=PHONE)
    return list(
        Message.objects.filter(customer=hoa)
        .order_by("id")
        .values_list("flow", "step", "channel", "state")
    )


def test_the_hoa_ban_journey(shop, time_machine, settings):
    # given: the owner gave the cart flow a first-order voucher rule (100,000 đ off)
    voucher = VoucherFactory(code=None, first_order_only=True, name="Đơn đầu", value=100000)
    Flow.objects.filter(code="cart_abandoned").update(voucher=voucher)
    hoa_web = Client()

    # Monday 10:00: Hoa signs up on the store (offers by email and SMS) and leaves 2 kg of
    # smoked buffalo in her cart
    time_machine.move_to(local(10), tick=False)
    sign_up(hoa_web)
    add_to_cart(hoa_web, shop.buffalo, quantity=2)
    hoa = Customer.objects.get(contact_points__value=EMAIL)

    # 14:30: idle four hours, but the evening window has not come
    beat(time_machine, local(14, 30))
    assert hoa_messages() == []

    # 19:00: the evening email, with a first-order code made for her
    beat(time_machine, local(19))
    assert hoa_messages() == [("cart_abandoned", "1", "email", "sent")]
    (email,) = sent_to(EMAIL)
    assert (email.channel, email.purpose) == ("email", "marketing")
    code = re.search(r"mã giảm giá đơn đầu: (\S+)", email.body, re.I).group(1)
    issued = VoucherCode.objects.get(code=code)
    assert (issued.voucher, issued.customer, issued.used_at) == (voucher, hoa, None)

    # Tuesday 10:00: at checkout she types her phone and a Cầu Giấy address, and leaves
    time_machine.move_to(local(10, days=1), tick=False)
    checkout_contact(hoa_web, address=CAU_GIAY_ADDRESS, contact_email=EMAIL)
    assert "0909 908 089" in hoa_web.get("/checkout/pay/").content.decode()

    # 10:29 nothing yet; 10:30: a text invites her to the Hàng Giấy showroom (same city,
    # everything in stock), not to the Cầu Giấy counter next door (it has none of it)
    beat(time_machine, local(10, 29, days=1))
    assert sent_to(PHONE) == []
    beat(time_machine, local(10, 30, days=1))
    (sms,) = sent_to(PHONE)
    assert sms.channel == "sms"
    assert "Showroom Hàng Giấy, 12 Hàng Giấy, Hoàn Kiếm (08:00-21:00)" in sms.body
    assert "Cầu Giấy" not in sms.body

    # 15:00: she buys at the showroom; the till knows her by her phone, captures her
    # Messenger id with her consent, and takes the mailed code
    time_machine.move_to(local(15, days=1), tick=False)
    found = shop.pos.get("/api/v1/pos/customers/lookup/", {"phone": "0909 908 089"}).json()
    assert found["id"] == hoa.pk
    added = shop.pos.post(
        f"/api/v1/pos/customers/{hoa.pk}/contacts/",
        {
            "messenger_psid": PSID,
            "consents": [{"channel": "messenger", "purpose": "transactional", "granted": True}],
        },
        format="json",
    )
    assert added.status_code in (200, 201), added.json()
    order = shop.till_sale(
        phone="0909908089", sku="TRAU-1KG", quantity=2, due=Decimal(1300000), voucher_code=code
    )
    assert (order.voucher_code, order.total_amount, order.customer_id) == (
        code,
        Decimal(1300000),
        hoa.pk,
    )
    issued.refresh_from_db()
    assert issued.used_at is not None

    # 15:05: the thank-you, on Messenger
    beat(time_machine, local(15, 5, days=1))
    (thanks,) = sent_to(PSID)
    assert thanks.channel == "messenger"
    assert order.number in thanks.body and "Showroom Hàng Giấy" in thanks.body

    # Wednesday 19:00: the cart's combo step would be due; both recovery flows ended instead
    beat(time_machine, local(19, days=2))
    assert not Message.objects.filter(flow="cart_abandoned", step="2").exists()
    assert not FlowEnrolment.objects.filter(
        customer=hoa, flow__code__in=["cart_abandoned", "checkout_abandoned"], state="active"
    ).exists()

    # Thursday: the review request two days after the sale, not a minute before
    beat(time_machine, local(14, 59, days=3))
    assert not Message.objects.filter(flow="review_request").exists()
    beat(time_machine, local(15, days=3))
    request = Message.objects.get(flow="review_request", customer=hoa)
    assert request.state == "sent"
    (received,) = [sent for sent in sent_to(EMAIL) if "review_request" in sent.idempotency_key]
    tracked = re.search(r"https?://\S+", received.body).group(0)

    # she taps the link in the email (counted as a click, then on to the signed review page;
    # no log-in: the signed link is the credential) and gives 5 stars
    phone_browser = Client()
    clicked = phone_browser.get(urlsplit(tracked).path)
    assert clicked.status_code == 302
    path = urlsplit(clicked["Location"]).path
    assert path == urlsplit(request.context["review_url"]).path
    page = phone_browser.get(path)
    assert page.status_code == 200 and "Thịt trâu gác bếp" in page.content.decode()
    posted = phone_browser.post(path, {"rating": "5", "text": "Thịt trâu ngon tuyệt"})
    assert posted.status_code == 302
    assert hoa.reviews.get().rating == 5

    # then a thank-you with her referral code and the offer
    beat(time_machine, local(15, 10, days=3))
    referral = Message.objects.get(flow="review_thanks", customer=hoa)
    hoa.refresh_from_db()
    assert referral.state == "sent"
    (received,) = [
        sent for sent in sent_to(referral.address) if "review_thanks" in sent.idempotency_key
    ]
    assert hoa.referral_code and hoa.referral_code in received.body
    assert "500.000 đ" in received.body  # the offer

    # Friday 11:00: a friend orders 600,000 đ on the web store with Hoa's code, to pick up
    # at the showroom; the code brings her the shop's welcome voucher (50,000 đ off)
    time_machine.move_to(local(11, days=4), tick=False)
    welcome = VoucherFactory(code=None, first_order_only=True, name="Chào bạn", value=50000)
    settings.REFERRAL_WELCOME_VOUCHER_ID = welcome.pk
    tea = VariantFactory(
        sku="TT-500G", product__name="Trà Shan tuyết", product__slug="tra-shan-tuyet",
        price_amount=Decimal(600000),
    )  # fmt: skip
    stocked(tea, shop.showroom, 5)
    friend_web = Client()
    add_to_cart(friend_web, tea)
    checkout_contact(
        friend_web, pickup=shop.showroom, contact_name="Lan", contact_phone="0912345678"
    )
    friend_order = checkout_pay(
        friend_web, referral_code=hoa.referral_code.lower(), confirm_new_total=True
    )
    assert (friend_order.subtotal_amount, friend_order.total_amount) == (
        Decimal(600000),
        Decimal(550000),
    )
    assert friend_order.status == "confirmed"
    friend = friend_order.customer
    assert friend.referred_by_id == hoa.pk
    assert VoucherCode.objects.get(voucher=welcome).customer == friend

    # no reward before the order completes
    beat(time_machine, local(11, 5, days=4))
    assert not Event.objects.filter(kind="referral_rewarded").exists()

    # 17:00: the showroom puts it aside and hands it over at the till
    time_machine.move_to(local(17, days=4), tick=False)
    ready = shop.pos.post(f"/api/v1/pos/pickups/{friend_order.pk}/ready/")
    assert ready.status_code == 200, ready.json()
    handed = shop.pos.post(
        f"/api/v1/pos/pickups/{friend_order.pk}/hand-over/",
        {"pickup_code": ready.json()["pickup_code"], "cashier_id": shop.cashier_id},
    )
    assert handed.status_code == 200, handed.json()
    assert Order.objects.get(pk=friend_order.pk).status == "completed"

    # then Hoa is rewarded, once, even when the jobs run again
    beat(time_machine, local(17, 5, days=4))
    beat(time_machine, local(17, 10, days=4))
    (rewarded,) = Event.objects.filter(kind="referral_rewarded")
    assert rewarded.customer_id == hoa.pk
    assert rewarded.payload == {
        "friend_id": friend.pk,
        "order_id": friend_order.pk,
        "number": friend_order.number,
        "total_amount": "550000",
        "reward": "points",
        "points": 500,
    }
    (entry,) = LoyaltyEntry.objects.filter(reference=f"referral:{friend.pk}")
    assert (entry.customer_id, entry.points) == (hoa.pk, 500)

    # and she sees it on her account, logged in on another device with her phone
    laptop = Client()
    log_in(laptop, username="0909 908 089")
    points_page = laptop.get("/account/points/").content.decode()
    assert friend_order.number in points_page

    # and nothing reached her twice along the whole journey; the channels after the sale
    # are the ranking's (what she reads and buys from), the others the flows' own
    journey = hoa_messages()
    assert [(flow, step, state) for flow, step, _channel, state in journey] == [
        ("cart_abandoned", "1", "sent"),
        ("checkout_abandoned", "1", "sent"),
        ("store_thank_you", "1", "sent"),
        ("review_request", "1", "sent"),
        ("review_thanks", "1", "sent"),
    ]
    assert [channel for _flow, _step, channel, _state in journey][:3] == [
        "email",
        "sms",
        "messenger",
    ]


# --- The negative twins ---------------------------------------------------------------------


def test_bought_at_the_pos_before_the_evening_no_cart_email(shop, time_machine):
    # given: a cart left on the web at 10:00
    hoa_web = Client()
    time_machine.move_to(local(10), tick=False)
    sign_up(hoa_web)
    add_to_cart(hoa_web, shop.buffalo, quantity=2)
    beat(time_machine, local(10, 1))
    assert FlowEnrolment.objects.get(flow__code="cart_abandoned").state == "active"

    # when: she buys at the showroom's till at 15:00, found by her phone
    time_machine.move_to(local(15), tick=False)
    shop.till_sale(phone="0909 908 089", sku="TRAU-1KG", quantity=2)
    beat(time_machine, local(19))
    beat(time_machine, local(21))

    # then: the cart flow ended on the purchase; no cart email
    assert not Message.objects.filter(flow="cart_abandoned").exists()
    assert [sent.purpose for sent in sent_to(EMAIL)] == ["transactional"]  # the till's thanks
    enrolment = FlowEnrolment.objects.get(flow__code="cart_abandoned")
    assert (enrolment.state, enrolment.exit_reason) == ("exited", "ordered")


def test_bought_a_product_yesterday_no_advert_for_it(shop, time_machine):
    # given: Hoa (signed up on the web) bought the buffalo at the till on Sunday
    hoa_web = Client()
    time_machine.move_to(local(10, days=-1), tick=False)
    sign_up(hoa_web)
    shop.till_sale(phone="0909 908 089", sku="TRAU-1KG")
    beat(time_machine, local(10, 5, days=-1))
    transports.SENT.clear()  # the till's thank-you

    # when: on Monday she leaves the same buffalo in her web cart
    time_machine.move_to(local(10), tick=False)
    add_to_cart(hoa_web, shop.buffalo)
    beat(time_machine, local(19))

    # then: the cart email featuring it is skipped, and no marketing went anywhere
    (message,) = Message.objects.filter(flow="cart_abandoned")
    assert (message.state, message.reason) == ("skipped", "recent_purchase")
    assert message.featured_variant_ids == [shop.buffalo.pk]
    assert [sent for sent in transports.SENT if sent.purpose == "marketing"] == []


def test_a_23h_abandonment_gets_its_sms_at_07h(shop, time_machine):
    # given: at 23:00 Hoa types her phone and a Cầu Giấy address at checkout, then nothing
    hoa_web = Client()
    time_machine.move_to(local(22, 50), tick=False)
    sign_up(hoa_web)
    add_to_cart(hoa_web, shop.salt)
    time_machine.move_to(local(23), tick=False)
    checkout_contact(hoa_web, address=CAU_GIAY_ADDRESS)

    # when: 23:30, the 30 minutes have passed
    beat(time_machine, local(23, 30))

    # then: the SMS is written, naming the showroom, and waits for 07:00
    (message,) = Message.objects.filter(flow="checkout_abandoned")
    assert (message.channel, message.state, message.reason) == ("sms", "deferred", "quiet_hours")
    assert message.send_at == local(7, days=1)
    assert "Showroom Hàng Giấy" in message.body
    beat(time_machine, local(6, 59, days=1))
    assert sent_to(PHONE) == []

    # when: 07:00
    beat(time_machine, local(7, days=1))

    # then
    (sms,) = sent_to(PHONE)
    assert "Showroom Hàng Giấy, 12 Hàng Giấy" in sms.body
    message.refresh_from_db()
    assert message.state == "sent"
