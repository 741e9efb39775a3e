"""The flows, end to end through the timeline: enrol, wait, re-check exits, send via the outbox.

The whole Hoa Ban Food journey through the real doors (store pages, POS API, review link,
the beat's tasks) is ``test_journey_hoa_ban.py``; these drive the services directly.

``transaction=True``: the flows read the timeline through ``event_stream``, which on
PostgreSQL hands out only events of transactions that have ended.
"""

import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from campaigns.demo import demo_flows
from campaigns.flows.engine import CONSUMER_NAME, flows_advance, flows_consume_all
from campaigns.flows.reports import flow_report, flow_template_gaps
from campaigns.flows.seeds import seed
from campaigns.models import CallTask, ConsumerCursor, Flow, FlowEnrolment, Message, MessageTemplate
from campaigns.services import message_send_due
from customers.models import Event
from customers.selectors import EventCursor
from customers.services import consent_record, review_submit
from inventory.models import Location, SalesChannel
from orders.models import Cart, Order
from orders.services.checkout import cart_line_set, checkout_start, order_place
from orders.services.marketplace import marketplace_order_ingest
from orders.services.phone import PhoneLine, phone_order_place
from orders.services.placing import LineInput
from tests.campaigns import transports
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

PHONE = "+84909908089"
EMAIL = "hoa@example.vn"
# 10:00 in Hà Nội on Monday 30 November 2026.
MORNING = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def local(hour, minute=0, days=0):
    """Aware UTC of ``hour:minute`` Hà Nội time, ``days`` after 30 November 2026."""
    return (
        datetime(2026, 11, 30, hour, minute, tzinfo=UTC) - timedelta(hours=7) + timedelta(days=days)
    )


@pytest.fixture
def shop(db):
    store = LocationFactory(
        name="Showroom Hàng Giấy",
        kind=Location.Kind.STORE,
        address="12 Hàng Giấy, Hoàn Kiếm",
        city="Hà Nội",
        opening_hours="08:00-21:00",
    )
    far = LocationFactory(
        name="Cửa hàng Sài Gòn", kind=Location.Kind.STORE, address="5 Lê Lợi", city="TP.HCM"
    )
    web = channel_selling_from(store, far, kind="web", code="web")
    channel_selling_from(store, kind="pos", code="pos-hg")
    market = channel_selling_from(store, kind="marketplace", code="shopee")
    buffalo = VariantFactory(sku="TRAU-1KG", price_amount=Decimal(700000))
    salt = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    for variant in (buffalo, salt):
        stocked(variant, store, 20)
        stocked(variant, far, 20)
    _terminal, token = terminal_with_token(location=store)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return {
        "store": store,
        "web": web,
        "market": market,
        "buffalo": buffalo,
        "salt": salt,
        "api": api,
    }


@pytest.fixture
def flows(db):
    """Every flow seeded and on, with the shipped delays."""
    seed(Flow, MessageTemplate)
    Flow.objects.update(enabled=True)


@pytest.fixture
def hoa(db):
    customer = customer_with(email=EMAIL, phone=PHONE, full_name="Hoa")
    for channel in ("email", "sms"):
        consent_record(
            customer=customer,
            channel=channel,
            purpose="marketing",
            granted=True,
            source="web_form",
            actor="shopper",
        )
    return customer


def consume_everything(timeout: float = 30) -> None:
    """Run the consumer until its cursor has passed the last event.

    On PostgreSQL a transaction open elsewhere on the server (another test run) may hold the
    stream back for a moment: events come late, never skipped, so keep polling.
    """
    last = Event.objects.order_by("tx_id", "id").last()
    target = str(EventCursor.after(last)) if last else ""
    for _ in range(int(timeout / 0.05)):
        flows_consume_all()
        if not last or ConsumerCursor.objects.filter(name=CONSUMER_NAME, position=target).exists():
            return
        time.sleep(0.05)
    raise AssertionError("the flows consumer did not reach the last event")


def run_jobs(time_machine, at):
    """The beat jobs at ``at``: enrol from the timeline, advance due steps, send."""
    time_machine.move_to(at, tick=False)
    consume_everything()
    summary = flows_advance()
    message_send_due(batch_size=100, worker="test")
    return summary


def web_cart(shop, customer, time_machine, at, variant=None, quantity=2):
    time_machine.move_to(at, tick=False)
    cart = Cart.objects.create(channel=shop["web"], customer=customer)
    cart_line_set(cart=cart, variant_id=(variant or shop["buffalo"]).pk, quantity=quantity)
    return cart


def pos_sale(shop, time_machine, at, sku="MK-100G", amount="85000"):
    """The cashier finds the shopper by the phone they say aloud and sells."""
    time_machine.move_to(at, tick=False)
    api = shop["api"]
    found = api.get("/api/v1/pos/customers/lookup/", {"phone": "0909 908 089"})
    assert found.status_code == 200, found.json()
    sale = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "customer_id": found.json()["id"],
            "lines": [{"sku": sku, "quantity": 1}],
            "payments": [{"method": "cash", "amount": amount, "tendered_amount": amount}],
        },
        format="json",
    )
    assert sale.status_code == 201, sale.json()
    return Order.objects.get(number=sale.json()["number"])


def web_order(shop, customer, time_machine, at):
    cart = web_cart(shop, customer, time_machine, at, variant=shop["salt"], quantity=1)
    cart = checkout_start(
        cart=cart,
        contact_name="Hoa",
        contact_phone="0909908089",
        shipping_address={"line1": "1 Cầu Giấy", "district": "Cầu Giấy", "city": "Hà Nội"},
    )
    return order_place(cart=cart, payment_method="cod")


def marketplace_order(shop, time_machine, at):
    time_machine.move_to(at, tick=False)
    order, _created = marketplace_order_ingest(
        channel=shop["market"],
        external_ref=f"SP-{uuid.uuid4().hex[:8]}",
        lines=[LineInput(sku="MK-100G", quantity=1, unit_price_amount=Decimal(85000))],
        placed_at=at,
        buyer_phone="0909908089",
        buyer_name="Hoa",
    )
    return order


def phone_order(shop, time_machine, at):
    """Staff take her order on the phone (issue 14): the same placing as the web's."""
    time_machine.move_to(at, tick=False)
    if not SalesChannel.objects.filter(kind="phone").exists():
        channel_selling_from(shop["store"], kind="phone", code="phone")
    return phone_order_place(
        phone="0909 908 089",
        full_name="Hoa",
        lines=[PhoneLine(sku="mk-100g", quantity=1)],
        fulfilment="ship",
        payment_method="cod",
        shipping_address={"line1": "1 Cầu Giấy", "city": "Hà Nội"},
    )


def flow_messages(flow):
    return list(Message.objects.filter(flow=flow).order_by("id"))


# --- 1. cart abandoned ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_idle_cart_gets_an_evening_email_not_before(shop, flows, hoa, time_machine):
    # given: Hoa leaves 2 kg of smoked buffalo in the web cart at 10:00
    web_cart(shop, hoa, time_machine, MORNING)

    # when: the jobs run at 14:30 (idle 4 h, but outside the evening window)
    run_jobs(time_machine, local(14, 30))

    # then: nothing yet; the step waits for 19:00
    assert flow_messages("cart_abandoned") == []
    enrolment = FlowEnrolment.objects.get(flow__code="cart_abandoned")
    assert enrolment.next_at == local(19)

    # when: 19:00
    run_jobs(time_machine, local(19))

    # then: one email went out through the outbox, featuring the buffalo
    (message,) = flow_messages("cart_abandoned")
    assert (message.channel, message.state, message.step, message.purpose) == (
        "email",
        "sent",
        "1",
        "marketing",
    )
    assert message.featured_variant_ids == [shop["buffalo"].pk]
    assert message.context["name"] == "Hoa"
    assert [sent.to for sent in transports.SENT] == [EMAIL]
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.next_step, enrolment.next_at) == (
        "active",
        1,
        local(19, days=2),
    )


@pytest.mark.django_db(transaction=True)
def test_bought_at_the_pos_before_the_evening_no_cart_email(shop, flows, hoa, time_machine):
    # given: a cart at 10:00, then a sale at the showroom's till at 15:00 (found by phone)
    web_cart(shop, hoa, time_machine, MORNING)
    pos_sale(shop, time_machine, local(15))

    # when
    run_jobs(time_machine, local(19))

    # then: the cart flow exited on the purchase; no cart email
    assert flow_messages("cart_abandoned") == []
    enrolment = FlowEnrolment.objects.get(flow__code="cart_abandoned")
    assert (enrolment.state, enrolment.exit_reason) == ("exited", "ordered")


@pytest.mark.parametrize("door", ["web", "pos", "marketplace", "phone"])
@pytest.mark.django_db(transaction=True)
def test_every_recovery_flow_exits_on_a_purchase_in_each_channel(
    shop, flows, hoa, time_machine, door
):
    # given: a cart left at 10:00 and a checkout with the phone typed at 10:05
    cart = web_cart(shop, hoa, time_machine, MORNING)
    time_machine.move_to(MORNING + timedelta(minutes=5), tick=False)
    checkout_start(
        cart=cart,
        contact_name="Hoa",
        contact_phone="0909908089",
        shipping_address={"line1": "1 Cầu Giấy", "district": "Cầu Giấy", "city": "Hà Nội"},
    )
    consume_everything()

    # when: she buys at 10:20 through ``door``
    at = MORNING + timedelta(minutes=20)
    {
        "web": lambda: web_order(shop, hoa, time_machine, at),
        "pos": lambda: pos_sale(shop, time_machine, at),
        "marketplace": lambda: marketplace_order(shop, time_machine, at),
        "phone": lambda: phone_order(shop, time_machine, at),
    }[door]()
    run_jobs(time_machine, local(21, days=1))

    # then: neither recovery flow sent anything, both exited (the cart one was first
    # replaced by the checkout), and the checkout one on the order
    assert Message.objects.filter(flow__in=["cart_abandoned", "checkout_abandoned"]).count() == 0
    rows = list(
        FlowEnrolment.objects.filter(
            flow__code__in=["cart_abandoned", "checkout_abandoned"]
        ).values_list("flow__code", "state", "exit_reason")
    )
    assert {state for _code, state, _reason in rows} == {"exited"}
    assert {reason for _code, _state, reason in rows} <= {"superseded", "ordered"}
    latest_checkout = (
        FlowEnrolment.objects.filter(flow__code="checkout_abandoned").order_by("-id").first()
    )
    assert latest_checkout.exit_reason == "ordered"


@pytest.mark.django_db(transaction=True)
def test_an_emptied_cart_ends_the_flow(shop, flows, hoa, time_machine):
    cart = web_cart(shop, hoa, time_machine, MORNING)
    time_machine.move_to(MORNING + timedelta(minutes=10), tick=False)
    cart_line_set(cart=cart, variant_id=shop["buffalo"].pk, quantity=0)

    run_jobs(time_machine, local(19))

    assert flow_messages("cart_abandoned") == []
    assert list(
        FlowEnrolment.objects.filter(flow__code="cart_abandoned")
        .order_by("id")
        .values_list("state", "exit_reason")
    ) == [("exited", "cart_emptied")]


@pytest.mark.django_db(transaction=True)
def test_withdrawn_consent_ends_a_marketing_flow(shop, flows, hoa, time_machine):
    web_cart(shop, hoa, time_machine, MORNING)
    time_machine.move_to(local(12), tick=False)
    consent_record(
        customer=hoa,
        channel="email",
        purpose="marketing",
        granted=False,
        source="link",
        actor="shopper",
    )

    run_jobs(time_machine, local(19))

    assert flow_messages("cart_abandoned") == []
    assert FlowEnrolment.objects.get(flow__code="cart_abandoned").exit_reason == "consent_withdrawn"


@pytest.mark.django_db(transaction=True)
def test_a_replayed_stream_enrols_nobody_twice(shop, flows, hoa, time_machine):
    # given: a cart enrolled once
    web_cart(shop, hoa, time_machine, MORNING)
    consume_everything()
    # when: the cursor is lost and the whole timeline is read again
    ConsumerCursor.objects.filter(name="campaigns.flows").update(position="")
    consume_everything()
    # then
    assert FlowEnrolment.objects.filter(flow__code="cart_abandoned").count() == 1


# --- 2. checkout abandoned -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_23h_checkout_abandonment_gets_its_sms_at_07h_naming_the_nearest_store(
    shop, flows, hoa, time_machine
):
    # given: the phone and a Hà Nội address typed at 23:00, then nothing
    cart = web_cart(shop, hoa, time_machine, local(22, 55))
    time_machine.move_to(local(23), tick=False)
    checkout_start(
        cart=cart,
        contact_name="Hoa",
        contact_phone="0909908089",
        shipping_address={"line1": "1 Cầu Giấy", "district": "Cầu Giấy", "city": "Hà Nội"},
    )

    # when: 23:30, the 30 minutes have passed
    run_jobs(time_machine, local(23, 30))

    # then: the SMS is written, naming the Hàng Giấy showroom, and deferred to 07:00
    (message,) = flow_messages("checkout_abandoned")
    assert (message.channel, message.state, message.reason) == ("sms", "deferred", "quiet_hours")
    assert message.send_at == local(7, days=1)
    assert "Showroom Hàng Giấy, 12 Hàng Giấy, Hoàn Kiếm (08:00-21:00)" in message.body
    assert transports.SENT == []

    # when: 07:00
    run_jobs(time_machine, local(7, days=1))

    # then
    message.refresh_from_db()
    assert message.state == "sent"
    assert [sent.to for sent in transports.SENT] == [PHONE]


# --- 3, 4. unpaid order, payment failed ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_unpaid_bank_transfer_order_is_reminded_after_6_hours(shop, flows, hoa, time_machine):
    cart = web_cart(shop, hoa, time_machine, MORNING, variant=shop["salt"], quantity=1)
    cart = checkout_start(
        cart=cart,
        contact_name="Hoa",
        contact_email=EMAIL,
        shipping_address={"line1": "1 Cầu Giấy", "district": "Cầu Giấy", "city": "Hà Nội"},
    )
    order = order_place(cart=cart, payment_method="bank_transfer")
    assert order.status == "pending_payment"

    run_jobs(time_machine, MORNING + timedelta(hours=5, minutes=59))
    assert flow_messages("unpaid_order") == []

    run_jobs(time_machine, MORNING + timedelta(hours=6))
    (message,) = flow_messages("unpaid_order")
    assert (message.state, message.purpose, message.channel) == ("sent", "transactional", "email")
    assert order.number in message.body


@pytest.mark.django_db(transaction=True)
def test_a_failed_card_payment_gets_its_message_within_2_minutes(shop, flows, hoa, time_machine):
    from orders.services.payments import order_payment_card

    cart = web_cart(shop, hoa, time_machine, MORNING, variant=shop["salt"], quantity=1)
    cart = checkout_start(
        cart=cart,
        contact_name="Hoa",
        contact_email=EMAIL,
        shipping_address={"line1": "1 Cầu Giấy", "district": "Cầu Giấy", "city": "Hà Nội"},
    )
    order = order_place(cart=cart, payment_method="card")

    class Declines:
        def charge(self, order, amount, *, idempotency_key):
            return False, "", "Declined"

        def void(self, reference, *, idempotency_key):
            return False

    order_payment_card(order=order, provider=Declines())

    run_jobs(time_machine, MORNING + timedelta(minutes=2))

    (message,) = flow_messages("payment_failed")
    assert (message.state, message.purpose) == ("sent", "transactional")
    assert order.number in message.body


# --- 5, 6, 7. after a purchase -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_store_sale_is_thanked_then_asked_for_a_review_2_days_later_then_a_5_star_thanked(
    shop, flows, hoa, time_machine
):
    order = pos_sale(shop, time_machine, MORNING)

    run_jobs(time_machine, MORNING + timedelta(minutes=5))
    (thanks,) = flow_messages("store_thank_you")
    assert (thanks.state, thanks.purpose) == ("sent", "transactional")
    assert "Showroom Hàng Giấy" in thanks.body and order.number in thanks.body

    run_jobs(time_machine, MORNING + timedelta(days=1, hours=23))
    assert flow_messages("review_request") == []
    run_jobs(time_machine, MORNING + timedelta(days=2))
    (request,) = flow_messages("review_request")
    assert request.state == "sent"
    assert "/r/" in request.body or "http" in request.body

    time_machine.move_to(MORNING + timedelta(days=2, hours=1), tick=False)
    review_submit(customer=hoa, product_id=shop["salt"].product_id, rating=5, text="Ngon")
    run_jobs(time_machine, MORNING + timedelta(days=2, hours=1, minutes=10))
    (referral,) = flow_messages("review_thanks")
    hoa.refresh_from_db()
    assert referral.state == "sent"
    assert hoa.referral_code and hoa.referral_code in referral.body


@pytest.mark.django_db(transaction=True)
def test_no_review_request_for_a_marketplace_order_nor_for_a_reviewed_product(
    shop, flows, hoa, time_machine
):
    marketplace_order(shop, time_machine, MORNING)
    time_machine.move_to(MORNING + timedelta(minutes=1), tick=False)
    review_submit(customer=hoa, product_id=shop["salt"].product_id, rating=3, text="")
    pos_sale(shop, time_machine, MORNING + timedelta(minutes=2))

    run_jobs(time_machine, MORNING + timedelta(days=3))

    assert flow_messages("review_request") == []
    assert list(
        FlowEnrolment.objects.filter(flow__code="review_request").values_list("exit_reason")
    ) == [("already_reviewed",)]
    assert flow_messages("review_thanks") == []  # 3★ thanks nobody


# --- 8. recent-purchase suppression --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bought_a_product_yesterday_no_advert_for_it(shop, flows, hoa, time_machine):
    # given: Hoa bought the buffalo at the till yesterday, then left it in a web cart
    pos_sale(shop, time_machine, MORNING - timedelta(days=1), sku="TRAU-1KG", amount="700000")
    web_cart(shop, hoa, time_machine, MORNING)

    run_jobs(time_machine, local(19))

    (message,) = flow_messages("cart_abandoned")
    assert (message.state, message.reason) == ("skipped", "recent_purchase")
    assert [sent.to for sent in transports.SENT if sent.purpose == "marketing"] == []


# --- 9. phone-only customers and channel fallback ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_phone_only_customer_on_the_do_not_reach_list_gets_a_call_task_in_office_hours(
    shop, flows, time_machine, settings
):
    # given: a customer whose only phone is suppressed for SMS (so nothing can reach her)
    from campaigns.models import Suppression

    customer = customer_with(phone="+84912345678", full_name="Lan")
    Suppression.objects.create(channel="sms", address="+84912345678", reason="invalid")
    Suppression.objects.create(channel="zalo", address="+84912345678", reason="invalid")
    web_cart(shop, customer, time_machine, MORNING)

    run_jobs(time_machine, local(19))

    # then: a call for staff the next morning at 08:00, no message
    (task,) = CallTask.objects.all()
    assert (task.phone, task.flow, task.due_at) == (
        "+84912345678",
        "cart_abandoned",
        local(8, days=1),
    )
    assert "Lan" in task.script
    assert flow_messages("cart_abandoned") == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_email_falls_back_to_the_next_channel(shop, flows, hoa, time_machine):
    from config.transports import PermanentSendError

    order = pos_sale(shop, time_machine, MORNING)
    transports.FAIL.append(PermanentSendError("mailbox unknown"))

    run_jobs(time_machine, MORNING + timedelta(minutes=5))
    message_send_due(batch_size=100, worker="test")

    first, fallback = flow_messages("store_thank_you")
    assert (first.channel, first.state, first.reason) == ("email", "failed", "provider_rejected")
    assert (fallback.channel, fallback.state) == ("sms", "sent")
    assert order.number in fallback.body
    assert fallback.idempotency_key == f"{first.idempotency_key}>sms"


# --- reports, templates, demo --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_flow_report_counts_in_a_fixed_number_of_queries(
    shop, flows, hoa, time_machine, django_assert_max_num_queries
):
    web_cart(shop, hoa, time_machine, MORNING)
    run_jobs(time_machine, local(19))
    flow = Flow.objects.get(code="cart_abandoned")

    with django_assert_max_num_queries(5):
        report = flow_report(flow=flow)

    assert (report.entered, report.sent, report.orders, report.recovery_rate) == (
        1,
        {"email": 1},
        0,
        Decimal(0),
    )


@pytest.mark.django_db
def test_a_step_missing_a_language_says_it_falls_back_to_vietnamese(flows):
    MessageTemplate.objects.filter(code="unpaid_order.1", channel="sms", language="en").delete()

    gaps = flow_template_gaps(flow=Flow.objects.get(code="unpaid_order"))

    assert gaps == ["unpaid_order.1 / sms: no en template, sent in Vietnamese"]


@pytest.mark.django_db
def test_the_demo_turns_every_flow_on_with_short_delays():
    assert demo_flows() == 7
    assert set(Flow.objects.values_list("enabled", flat=True)) == {True}
    assert {step["delay_minutes"] for flow in Flow.objects.all() for step in flow.steps} == {1}


@pytest.mark.django_db(transaction=True)
def test_the_cart_email_carries_a_first_order_code_and_the_second_step_a_combo(
    shop, flows, hoa, time_machine
):
    from orders.models import Bundle, BundleItem, VoucherCode
    from tests.factories import VoucherFactory

    # given: a first-order voucher rule on the flow, and a combo holding the buffalo
    voucher = VoucherFactory(code=None, first_order_only=True, name="Đơn đầu -50k")
    Flow.objects.filter(code="cart_abandoned").update(voucher=voucher)
    combo = Bundle.objects.create(name="Tây Bắc", slug="tay-bac", price_amount=Decimal(1350000))
    for variant in (shop["buffalo"], shop["salt"]):
        BundleItem.objects.create(bundle=combo, variant=variant, quantity=1)
    web_cart(shop, hoa, time_machine, MORNING)

    # when: the evening, then two evenings later
    run_jobs(time_machine, local(19))
    run_jobs(time_machine, local(19, days=2))

    # then: a code bound to Hoa in the first email, the combo and its link in the second
    first, second = flow_messages("cart_abandoned")
    code = VoucherCode.objects.get(voucher=voucher)
    assert code.customer == hoa
    assert code.code in first.body
    assert "Tây Bắc chỉ 1.350.000 đ" in second.body
    assert second.featured_variant_ids == sorted([shop["buffalo"].pk, shop["salt"].pk])
    assert (second.state, second.step) == ("sent", "2")
    assert FlowEnrolment.objects.get(flow__code="cart_abandoned").state == "completed"


@pytest.mark.django_db(transaction=True)
def test_a_phone_only_customer_gets_one_call_in_24_hours_and_a_disabled_flow_ends_quietly(
    shop, flows, time_machine
):
    from campaigns.models import Suppression

    # given: nothing but a phone no message can use
    customer = customer_with(phone="+84912345678", full_name="Lan")
    for channel in ("sms", "zalo"):
        Suppression.objects.create(channel=channel, address="+84912345678", reason="invalid")
    Flow.objects.filter(code="cart_abandoned").update(
        steps=[{"template": "cart_abandoned.1", "delay_minutes": 240}]
    )
    web_cart(shop, customer, time_machine, MORNING)
    run_jobs(time_machine, local(14))

    # when: another cart the next morning, idle by 13:00 (23 hours after the call)
    web_cart(shop, customer, time_machine, local(9, days=1), variant=shop["salt"])
    run_jobs(time_machine, local(13, days=1))

    # then: still one call (the first, due at once: 14:00 is inside the calling hours)
    (task,) = CallTask.objects.all()
    assert task.due_at == local(14)
    reasons = list(
        FlowEnrolment.objects.filter(flow__code="cart_abandoned")
        .order_by("id")
        .values_list("state", "exit_reason")
    )
    assert reasons == [("completed", ""), ("exited", "call_recent")]

    # and: a flow switched off ends its enrolments without a word
    web_cart(shop, customer, time_machine, local(9, days=3))
    consume_everything()
    Flow.objects.filter(code="cart_abandoned").update(enabled=False)
    run_jobs(time_machine, local(14, days=3))
    assert FlowEnrolment.objects.order_by("-id").first().exit_reason == "flow_disabled"
    assert CallTask.objects.count() == 1
