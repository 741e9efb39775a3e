"""Attribution: an order on any channel, credited to the last counted click inside its window.

``transaction=True``: the attribution job reads the timeline through ``event_stream``,
which on PostgreSQL hands out only events of transactions that have ended (the test's
own transaction would hold them back).
"""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.test import APIClient

from campaigns import links
from campaigns.models import Attribution, ConsumerCursor
from campaigns.services import attribution_consume, message_links_wrap
from campaigns.services.attribution import CONSUMER_NAME
from config.celery import app as celery_app
from customers.models import Event
from customers.selectors import EventCursor
from customers.services import event_record
from orders.models import Order
from orders.services.placing import order_event_payload
from tests.campaigns.tracking_factories import SentMessageFactory
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    MarketplaceChannelFactory,
    PhoneFactory,
    VariantFactory,
    channel_selling_from,
    order_minimal,
    stocked,
    terminal_with_token,
)

SENT_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
PHONE = "+84909908089"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MESSAGE_SCANNER_SECONDS = 10
    settings.MESSAGE_ATTRIBUTION_HOURS = {"email": 120, "sms": 24, "zalo": 24, "messenger": 24}


@pytest.fixture
def shop():
    """A showroom with its POS terminal (through the API) and a jar of chili salt in stock."""
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(location, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, location, 10)
    return api


@pytest.fixture
def shopper():
    customer = CustomerFactory(full_name="Hoa")
    PhoneFactory(customer=customer, value=PHONE)
    return customer


def message_with_link(customer, channel, *, sent_at=SENT_AT):
    message = SentMessageFactory(
        customer=customer,
        channel=channel,
        address=PHONE if channel == "sms" else "hoa@example.vn",
        sent_at=sent_at,
        send_at=sent_at,
    )
    message_links_wrap(message=message, text="Ghé showroom: https://tiem.example/showroom/")
    return message


def click(client, message, time_machine, at):
    time_machine.move_to(at, tick=False)
    path = links.click_url(message_id=message.pk, position=0).removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 302


def pos_sale_by_phone(api, time_machine, at) -> Order:
    """The cashier finds the shopper by the phone they say aloud, then sells two jars."""
    time_machine.move_to(at, tick=False)
    found = api.get("/api/v1/pos/customers/lookup/", {"phone": "0909 908 089"})
    assert found.status_code == 200, found.json()
    sale = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "customer_id": found.json()["id"],
            "lines": [{"sku": "MK-100G", "quantity": 2}],
            "payments": [{"method": "cash", "amount": "170000", "tendered_amount": "200000"}],
        },
        format="json",
    )
    assert sale.status_code == 201, sale.json()
    return Order.objects.get(number=sale.json()["number"])


def consume_everything(timeout: float = 30) -> None:
    """Run the job until its cursor has passed the last event.

    On PostgreSQL a transaction open elsewhere on the server (another test run) may hold the
    stream back for a moment: events come late, never skipped, so keep polling.
    """
    last = Event.objects.order_by("tx_id", "id").last()
    target = str(EventCursor.after(last)) if last else ""
    for _ in range(int(timeout / 0.05)):
        attribution_consume()
        if ConsumerCursor.objects.filter(name=CONSUMER_NAME, position=target).exists() or not last:
            return
        time.sleep(0.05)
    raise AssertionError("the attribution job did not reach the last event")


@pytest.mark.django_db(transaction=True)
def test_a_pos_sale_found_by_phone_3_hours_after_an_sms_click_is_attributed_to_that_sms(
    client, shop, shopper, time_machine
):
    # given: an SMS invitation sent at 09:00, clicked at 09:30
    sms = message_with_link(shopper, "sms")
    click(client, sms, time_machine, SENT_AT + timedelta(minutes=30))

    # when: at 12:30 the shopper buys at the POS, which finds them by phone
    order = pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(hours=3, minutes=30))
    consume_everything()

    # then
    attribution = Attribution.objects.get()
    assert (attribution.order, attribution.message, attribution.channel) == (order, sms, "sms")
    assert (attribution.clicked_at, attribution.placed_at) == (
        SENT_AT + timedelta(minutes=30),
        SENT_AT + timedelta(hours=3, minutes=30),
    )
    assert (attribution.total_amount, attribution.currency, attribution.order_channel) == (
        Decimal(170000),
        "VND",
        "pos-hg",
    )
    assert attribution.click.link.url == "https://tiem.example/showroom/"


@pytest.mark.django_db(transaction=True)
def test_the_same_sale_25_hours_after_the_sms_click_is_not_attributed(
    client, shop, shopper, time_machine
):
    sms = message_with_link(shopper, "sms")
    click(client, sms, time_machine, SENT_AT + timedelta(minutes=30))

    pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(hours=25, minutes=30))
    consume_everything()

    assert Attribution.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_email_click_counts_for_5_days(client, shop, shopper, time_machine):
    # given: two emails, each clicked; orders 4 days and 6 days after the clicks
    early = message_with_link(shopper, "email")
    click(client, early, time_machine, SENT_AT + timedelta(minutes=5))
    first = pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(days=4))
    second = pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(days=6))

    # when
    consume_everything()

    # then: only the order inside the window is attributed
    assert list(Attribution.objects.values_list("order", "message")) == [(first.pk, early.pk)]
    assert not Attribution.objects.filter(order=second).exists()


@pytest.mark.django_db(transaction=True)
def test_with_two_clicks_the_last_one_wins(client, shop, shopper, time_machine):
    # given: an email clicked on Monday, then an SMS clicked on Tuesday morning
    email = message_with_link(shopper, "email")
    click(client, email, time_machine, SENT_AT + timedelta(minutes=5))
    sms = message_with_link(shopper, "sms", sent_at=SENT_AT + timedelta(days=1))
    click(client, sms, time_machine, SENT_AT + timedelta(days=1, minutes=20))

    # when: the shopper buys on Tuesday afternoon
    order = pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(days=1, hours=5))
    consume_everything()

    # then: the SMS, the last touch, earned it
    assert list(Attribution.objects.values_list("order", "message", "channel")) == [
        (order.pk, sms.pk, "sms")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_scanner_click_does_not_earn_the_order(client, shop, shopper, time_machine):
    # given: the link was followed 3 seconds after sending (a scanner), then never again
    sms = message_with_link(shopper, "sms")
    click(client, sms, time_machine, SENT_AT + timedelta(seconds=3))

    pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(hours=2))
    consume_everything()

    assert Attribution.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_marketplace_order_on_the_same_profile_is_attributed_too(client, shopper, time_machine):
    # given: an email click, then a marketplace order that landed on the shopper's profile
    email = message_with_link(shopper, "email")
    click(client, email, time_machine, SENT_AT + timedelta(minutes=5))
    time_machine.move_to(SENT_AT + timedelta(days=2), tick=False)
    order = order_minimal(
        channel=MarketplaceChannelFactory(code="shopee"),
        customer=shopper,
        total_amount=Decimal(250000),
    )
    event_record(
        customer=shopper,
        kind="order_placed",
        channel=order.channel,
        payload=order_event_payload(order=order, lines=[]),
    )

    consume_everything()

    attribution = Attribution.objects.get()
    assert (attribution.order, attribution.message, attribution.order_channel) == (
        order,
        email,
        "shopee",
    )
    assert attribution.total_amount == Decimal(250000)


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_attributes_every_minute_through_the_worker_task(
    client, shop, shopper, time_machine
):
    # given: an attributable sale
    sms = message_with_link(shopper, "sms")
    click(client, sms, time_machine, SENT_AT + timedelta(minutes=30))
    pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(hours=1))
    entry = django_settings.CELERY_BEAT_SCHEDULE["campaigns-attribution"]
    celery_app.loader.import_default_modules()  # what a worker does at start-up
    task = celery_app.tasks[entry["task"]]

    # when: the task the beat entry names runs, as the worker runs it
    for _ in range(600):
        task.apply().get()
        if Attribution.objects.exists():
            break
        time.sleep(0.05)  # PostgreSQL: another run's open transaction holds the stream back

    # then
    assert entry["schedule"] == timedelta(minutes=1)
    assert Attribution.objects.get().message == sms


@pytest.mark.django_db(transaction=True)
def test_the_job_is_idempotent_and_never_attributes_an_order_twice(
    client, shop, shopper, time_machine
):
    # given: an attributed sale
    sms = message_with_link(shopper, "sms")
    click(client, sms, time_machine, SENT_AT + timedelta(minutes=30))
    pos_sale_by_phone(shop, time_machine, SENT_AT + timedelta(hours=1))
    consume_everything()
    position = ConsumerCursor.objects.get(name=CONSUMER_NAME).position

    # when: the job runs again, and again from the start (a cursor lost by hand)
    assert attribution_consume() == 0
    ConsumerCursor.objects.filter(name=CONSUMER_NAME).update(position="")
    consume_everything()

    # then
    assert Attribution.objects.count() == 1
    assert ConsumerCursor.objects.get(name=CONSUMER_NAME).position == position


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_attribute_each_order_exactly_once(client, shopper, time_machine):
    # given: 30 orders after one click, on the timeline
    email = message_with_link(shopper, "email")
    click(client, email, time_machine, SENT_AT + timedelta(minutes=5))
    time_machine.move_to(SENT_AT + timedelta(hours=1), tick=False)
    channel = channel_selling_from()
    for _ in range(30):
        order = order_minimal(channel=channel, customer=shopper)
        event_record(
            customer=shopper,
            kind="order_placed",
            channel=channel,
            payload=order_event_payload(order=order, lines=[]),
        )
    errors = []
    start = threading.Barrier(2)

    def job():
        try:
            start.wait()
            for _ in range(20):
                attribution_consume(batch_size=4)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    # when: two workers run the job at the same moment, in small batches
    threads = [threading.Thread(target=job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    consume_everything()

    # then: no error, every order attributed once
    assert errors == []
    assert Attribution.objects.count() == 30
    assert Attribution.objects.values("order").distinct().count() == 30
