"""Each send-time gate, with the clock moved (Asia/Ho_Chi_Minh is UTC+7, no DST)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from campaigns.models import DoNotCall, Message, Suppression
from campaigns.services import message_send_due
from customers.models import Event
from customers.services import consent_record
from tests.factories import CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    """A local Hanoi wall-clock time of June 2026, as aware UTC."""
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def granted(customer, channel, purpose="marketing", value=True):
    return consent_record(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=value,
        source="web_form",
        actor="shopper",
    )


def advert(customer=None, channel="sms", address="+84909908089", **fields):
    customer = customer or CustomerFactory()
    return MessageFactory(
        customer=customer, channel=channel, address=address, purpose="marketing", **fields
    )


def send_now():
    return message_send_due(batch_size=50, worker="w1")


def state_of(message):
    message.refresh_from_db()
    return message.state, message.reason


# --- quiet hours ------------------------------------------------------------------------------


def test_an_advert_at_21_59_is_sent(recording_transport):
    # given
    with time_machine.travel(hanoi(1, 21, 59), tick=False):
        message = advert()
        granted(message.customer, "sms")

        # when
        send_now()

    # then
    assert state_of(message) == ("sent", "")


def test_an_advert_at_22_00_is_deferred_to_07_00_the_next_day(recording_transport):
    # given
    with time_machine.travel(hanoi(1, 22, 0), tick=False):
        message = advert()
        granted(message.customer, "sms")

        # when
        send_now()

    # then
    assert state_of(message) == ("deferred", "quiet_hours")
    assert message.send_at == hanoi(2, 7, 0)
    assert (message.claimed_by, message.claimed_at, message.attempts) == ("", None, 0)
    assert recording_transport == []

    # and: at 07:00 it goes out
    with time_machine.travel(hanoi(2, 7, 0), tick=False):
        send_now()
    assert state_of(message) == ("sent", "")


def test_an_advert_after_midnight_is_deferred_to_07_00_the_same_day(recording_transport):
    # given
    with time_machine.travel(hanoi(2, 0, 30), tick=False):
        message = advert()
        granted(message.customer, "sms")

        # when
        send_now()

    # then
    assert state_of(message) == ("deferred", "quiet_hours")
    assert message.send_at == hanoi(2, 7, 0)


def test_a_transactional_message_at_23_00_is_sent(recording_transport):
    # given
    with time_machine.travel(hanoi(1, 23, 0), tick=False):
        message = MessageFactory(channel="sms", address="+84909908089")

        # when
        send_now()

    # then
    assert state_of(message) == ("sent", "")


def test_an_advert_held_past_the_staleness_limit_is_dropped_as_stale(recording_transport, settings):
    # given: due two days ago (the worker was down), now in quiet hours
    settings.MESSAGE_STALE_AFTER_HOURS = 24
    with time_machine.travel(hanoi(3, 23, 0), tick=False):
        message = advert(send_at=hanoi(1, 20, 0))
        granted(message.customer, "sms")

        # when
        send_now()

    # then
    assert state_of(message) == ("skipped", "stale")
    assert recording_transport == []


# --- frequency cap ------------------------------------------------------------------------------


def test_the_fourth_advert_in_24_hours_is_held_until_the_oldest_ages_out(recording_transport):
    # given: three adverts sent at 09:00, 10:00 and 11:00
    customer = CustomerFactory()
    granted(customer, "sms")
    sent_times = [hanoi(1, 9), hanoi(1, 10), hanoi(1, 11)]
    for sent_at in sent_times:
        advert(customer, state="sent", sent_at=sent_at)
    with time_machine.travel(hanoi(1, 12), tick=False):
        fourth = advert(customer)

        # when
        send_now()

    # then
    assert state_of(fourth) == ("deferred", "daily_cap")
    assert fourth.send_at == hanoi(2, 9)
    assert recording_transport == []

    # and: once the 09:00 one is 24 h old, it goes out
    with time_machine.travel(hanoi(2, 9), tick=False):
        send_now()
    assert state_of(fourth) == ("sent", "")


def test_the_cap_counts_per_channel_and_only_adverts(recording_transport):
    # given: three adverts by email and three service SMS in the last hours
    customer = CustomerFactory()
    granted(customer, "sms")
    for hour in (9, 10, 11):
        advert(
            customer, channel="email", address="a@example.vn", state="sent", sent_at=hanoi(1, hour)
        )
        MessageFactory(customer=customer, channel="sms", state="sent", sent_at=hanoi(1, hour))
    with time_machine.travel(hanoi(1, 12), tick=False):
        message = advert(customer)

        # when
        send_now()

    # then
    assert state_of(message) == ("sent", "")


def test_an_advert_sent_25_hours_ago_does_not_count(recording_transport):
    # given
    customer = CustomerFactory()
    granted(customer, "sms")
    advert(customer, state="sent", sent_at=hanoi(1, 10))
    advert(customer, state="sent", sent_at=hanoi(2, 9))
    advert(customer, state="sent", sent_at=hanoi(2, 10))
    with time_machine.travel(hanoi(2, 11), tick=False):
        message = advert(customer)

        # when
        send_now()

    # then
    assert state_of(message) == ("sent", "")


# --- consent --------------------------------------------------------------------------------


@time_machine.travel(hanoi(1, 12), tick=False)
def test_an_advert_without_a_consent_record_is_skipped_no_consent(recording_transport):
    # given
    message = advert()

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "no_consent")
    assert recording_transport == []
    assert not Event.objects.filter(kind="message_sent").exists()


@time_machine.travel(hanoi(1, 12), tick=False)
def test_an_advert_after_consent_was_withdrawn_is_skipped(recording_transport):
    # given
    message = advert()
    granted(message.customer, "sms")
    granted(message.customer, "sms", value=False)

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "no_consent")


@time_machine.travel(hanoi(1, 12), tick=False)
def test_consent_on_another_channel_does_not_count(recording_transport):
    # given
    message = advert()
    granted(message.customer, "email")

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "no_consent")


@time_machine.travel(hanoi(1, 12), tick=False)
def test_a_service_message_needs_no_consent_but_a_withdrawn_channel_is_never_used(
    recording_transport,
):
    # given
    allowed = MessageFactory(channel="sms", address="+84909908089")
    withdrawn = MessageFactory(channel="sms", address="+84909908090")
    granted(withdrawn.customer, "sms", purpose="transactional", value=False)

    # when
    send_now()

    # then
    assert state_of(allowed) == ("sent", "")
    assert state_of(withdrawn) == ("skipped", "consent_withdrawn")
    assert [m.to for m in recording_transport] == ["+84909908089"]


# --- suppression, DNC, ZNS, Messenger, erased ----------------------------------------------


@time_machine.travel(hanoi(1, 12), tick=False)
def test_a_suppressed_address_gets_nothing_not_even_service_messages(recording_transport):
    # given
    Suppression.objects.create(
        channel="email", address="bounced@example.vn", reason="hard_bounce", detail="550 no user"
    )
    message = MessageFactory(address="bounced@example.vn")

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "suppressed")
    assert message.reason_detail == "Hard bounce: 550 no user"
    assert recording_transport == []


@time_machine.travel(hanoi(1, 12), tick=False)
def test_a_do_not_call_number_gets_no_advertising_sms(recording_transport):
    # given
    DoNotCall.objects.create(phone="+84909908089", source="VNTA", listed_on=date(2026, 5, 1))
    message = advert(address="+84909908089")
    granted(message.customer, "sms")
    service = MessageFactory(channel="sms", address="+84909908089")

    # when
    send_now()

    # then: the advert is blocked, the order update is not
    assert state_of(message) == ("skipped", "do_not_call")
    assert state_of(service) == ("sent", "")


@time_machine.travel(hanoi(1, 12), tick=False)
def test_zns_only_to_customers_who_have_bought(recording_transport):
    # given
    buyer, browser = CustomerFactory(), CustomerFactory()
    Event.objects.create(customer=buyer, kind="order_placed", occurred_at=hanoi(1, 10))
    to_buyer = MessageFactory(customer=buyer, channel="zalo", address="+84909908089")
    to_browser = MessageFactory(customer=browser, channel="zalo", address="+84909908090")

    # when
    send_now()

    # then
    assert state_of(to_buyer) == ("sent", "")
    assert state_of(to_browser) == ("skipped", "zns_needs_purchase")


@time_machine.travel(hanoi(1, 12), tick=False)
def test_messenger_promotion_outside_the_24_hour_window_is_skipped_service_goes_tagged(
    recording_transport,
):
    # given: nothing records inbound Messenger messages, so every customer is outside
    promotion = advert(channel="messenger", address="psid-1")
    granted(promotion.customer, "messenger")
    service = MessageFactory(channel="messenger", address="psid-2")

    # when
    send_now()

    # then
    assert state_of(promotion) == ("skipped", "messenger_window")
    assert state_of(service) == ("sent", "")
    assert [m.messenger_tag for m in recording_transport] == ["POST_PURCHASE_UPDATE"]


@time_machine.travel(hanoi(1, 12), tick=False)
def test_an_erased_profile_gets_nothing(recording_transport):
    # given
    message = MessageFactory(customer=CustomerFactory(erased_at=hanoi(1, 9)))

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "erased")
    assert recording_transport == []


@time_machine.travel(hanoi(1, 12), tick=False)
def test_gates_are_rechecked_at_send_time_not_only_when_scheduled(recording_transport):
    # given: consent was granted when the message was written, withdrawn since
    message = advert()
    granted(message.customer, "sms")
    assert Message.objects.get(pk=message.pk).state == "pending"
    granted(message.customer, "sms", value=False)

    # when
    send_now()

    # then
    assert state_of(message) == ("skipped", "no_consent")
