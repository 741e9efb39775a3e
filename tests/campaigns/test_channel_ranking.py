from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.channels import (
    call_list,
    channel_next,
    channel_ranking,
    channel_scores,
    exploration_draw,
)
from campaigns.models import Attribution, DoNotCall, MessageActivity, Suppression
from customers.services import customer_erase, customer_merge
from tests.campaigns.tracking_factories import SentMessageFactory
from tests.factories import (
    ContactPointFactory,
    CustomerFactory,
    channel_selling_from,
    order_minimal,
)

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(settings, time_machine):
    settings.CHANNEL_EXPLORATION_PERCENT = 0  # exploration has its own tests
    settings.CHANNEL_RANKING_HALF_LIFE_DAYS = 30
    settings.CHANNEL_RANKING_PRIORS = {"email": 0.5, "zalo": 0.45, "sms": 0.4, "messenger": 0.35}
    time_machine.move_to(NOW, tick=False)


def shopper(*, email="an@example.vn", phone="+84909908089", messenger=None):
    customer = CustomerFactory()
    if email:
        ContactPointFactory(customer=customer, kind="email", value=email)
    if phone:
        ContactPointFactory(customer=customer, kind="phone", value=phone)
    if messenger:
        ContactPointFactory(customer=customer, kind="messenger", value=messenger)
    return customer


def sent(customer, channel, *, days_ago=1, opened=False, clicked=False, scanner=False):
    at = NOW - timedelta(days=days_ago)
    message = SentMessageFactory(customer=customer, channel=channel, sent_at=at, send_at=at)
    for kind, happened in (("opened", opened), ("clicked", clicked)):
        if happened:
            MessageActivity.objects.create(
                message=message,
                kind=kind,
                occurred_at=at + timedelta(hours=1),
                is_scanner=scanner,
                source="test",
            )
    return message


@pytest.mark.django_db
def test_with_no_history_the_reachable_channels_come_in_the_shop_order():
    # given: email and phone (SMS and Zalo), no Messenger id
    customer = shopper()

    # then
    assert channel_ranking(customer=customer) == ["email", "zalo", "sms"]


@pytest.mark.django_db
def test_a_suppressed_address_takes_its_channel_out_of_the_ranking():
    customer = shopper(messenger="psid-1")
    Suppression.objects.create(channel="email", address="an@example.vn", reason="hard_bounce")
    Suppression.objects.create(channel="zalo", address="+84909908089", reason="invalid")

    assert channel_ranking(customer=customer) == ["sms", "messenger"]


@pytest.mark.django_db
def test_a_shopper_who_never_opens_mail_gets_zalo_or_sms_first():
    # given: five emails this month, none opened
    customer = shopper()
    for days_ago in range(1, 6):
        sent(customer, "email", days_ago=days_ago)

    # then: email sinks below the channels still at their prior
    assert channel_ranking(customer=customer) == ["zalo", "sms", "email"]


@pytest.mark.django_db
def test_a_shopper_who_clicks_sms_and_ignores_zalo_gets_sms_first():
    customer = shopper(email=None)
    for days_ago in (2, 9):
        sent(customer, "zalo", days_ago=days_ago)
        sent(customer, "sms", days_ago=days_ago, clicked=True)

    assert channel_ranking(customer=customer) == ["sms", "zalo"]


@pytest.mark.django_db
def test_scanner_clicks_count_for_nothing():
    # given: every email "clicked" by the mail scanner on arrival
    customer = shopper()
    for days_ago in range(1, 6):
        sent(customer, "email", days_ago=days_ago, opened=True, clicked=True, scanner=True)

    assert channel_ranking(customer=customer) == ["zalo", "sms", "email"]


@pytest.mark.django_db
def test_ten_opens_of_one_email_are_one_open():
    # given: one email opened again and again
    customer = shopper()
    message = sent(customer, "email", days_ago=1, opened=True)
    for hours in range(2, 11):
        MessageActivity.objects.create(
            message=message,
            kind="opened",
            occurred_at=NOW - timedelta(days=1) + timedelta(hours=hours),
            source="test",
        )

    # then: (1 open + 2 x 0.5) / (1 send + 2), the send a day old and the open (its latest)
    # 14 hours old, in a 30-day half-life
    score = channel_scores(customer=customer, channels=["email"])["email"]
    send, open_ = 0.5 ** (1 / 30), 0.5 ** (14 / 24 / 30)
    assert score == pytest.approx((open_ + 1.0) / (send + 2.0))


@pytest.mark.django_db
def test_recent_engagement_beats_old_engagement():
    # given: SMS was clicked a year ago; Zalo was clicked last week; both sent as often
    customer = shopper(email=None)
    sent(customer, "sms", days_ago=200, clicked=True)
    sent(customer, "sms", days_ago=8)
    sent(customer, "zalo", days_ago=8, clicked=True)
    sent(customer, "zalo", days_ago=200)

    scores = channel_scores(customer=customer, channels=["sms", "zalo"])

    assert scores["zalo"] > scores["sms"]
    assert channel_ranking(customer=customer) == ["zalo", "sms"]


@pytest.mark.django_db
def test_an_attributed_order_lifts_its_channel():
    # given: three unopened emails, but the last one earned an order
    customer = shopper()
    for days_ago in (1, 2):
        sent(customer, "email", days_ago=days_ago)
    earner = sent(customer, "email", days_ago=3, clicked=True)
    order = order_minimal(channel=channel_selling_from(), customer=customer)
    Attribution.objects.create(
        order=order,
        message=earner,
        click=earner.activities.get(),
        channel="email",
        clicked_at=NOW - timedelta(days=3),
        placed_at=NOW - timedelta(days=3),
        total_amount=Decimal(500000),
        currency="VND",
        order_channel="web",
    )

    assert channel_ranking(customer=customer) == ["email", "zalo", "sms"]


def test_exploration_is_the_same_all_day_for_a_customer_and_about_its_share(settings):
    settings.CHANNEL_EXPLORATION_PERCENT = 10
    day = date(2026, 11, 30)

    draws = [exploration_draw(customer_id=pk, day=day, size=3) for pk in range(1, 2001)]
    again = [exploration_draw(customer_id=pk, day=day, size=3) for pk in range(1, 2001)]

    assert draws == again
    assert 150 <= sum(1 for draw in draws if draw) <= 250  # 10 % of 2,000, give or take
    assert {draw for draw in draws if draw} == {1, 2}
    # another day, other customers explore
    next_day = [
        exploration_draw(customer_id=pk, day=date(2026, 12, 1), size=3) for pk in range(1, 2001)
    ]
    assert next_day != draws


def test_no_exploration_at_zero_percent_and_always_at_a_hundred(settings):
    day = date(2026, 11, 30)
    settings.CHANNEL_EXPLORATION_PERCENT = 0
    assert {exploration_draw(customer_id=pk, day=day, size=4) for pk in range(500)} == {0}
    settings.CHANNEL_EXPLORATION_PERCENT = 100
    assert 0 not in {exploration_draw(customer_id=pk, day=day, size=4) for pk in range(500)}
    assert exploration_draw(customer_id=1, day=day, size=1) == 0


@pytest.mark.django_db
def test_an_exploring_day_brings_another_channel_first(settings):
    # given: a customer whose draw today explores
    settings.CHANNEL_EXPLORATION_PERCENT = 100
    customer = shopper()
    pick = exploration_draw(customer_id=customer.pk, day=date(2026, 11, 30), size=3)
    usual = ["email", "zalo", "sms"]

    # then
    assert channel_ranking(customer=customer) == [
        usual[pick],
        *[channel for channel in usual if channel != usual[pick]],
    ]


@pytest.mark.django_db
def test_channel_next_walks_down_the_ranking_and_ends():
    customer = shopper(messenger="psid-1")  # email, zalo, sms, messenger

    assert channel_next(customer=customer, after="email") == "zalo"
    assert channel_next(customer=customer, after="zalo", tried=["email"]) == "sms"
    assert channel_next(customer=customer, after="sms", tried=["messenger"]) is None
    assert channel_next(customer=customer, after="messenger") is None


@pytest.mark.django_db
def test_channel_next_after_a_channel_just_suppressed_gives_the_best_untried_one():
    # given: the email bounced and is now suppressed
    customer = shopper()
    Suppression.objects.create(channel="email", address="an@example.vn", reason="hard_bounce")

    assert channel_next(customer=customer, after="email") == "zalo"
    assert channel_next(customer=customer, after="email", tried=["zalo"]) == "sms"


@pytest.mark.django_db
def test_a_customer_no_message_can_reach_is_on_the_call_list():
    # given: a landline: SMS and Zalo to it failed for good; no email
    landline = shopper(email=None, phone="+842438251234")
    for channel in ("sms", "zalo"):
        Suppression.objects.create(channel=channel, address="+842438251234", reason="invalid")
    # and others: a reachable shopper, one on the Do-Not-Call list, one without a phone
    shopper(phone="+84909000001")
    do_not_call = shopper(email=None, phone="+842438250000")
    for channel in ("sms", "zalo"):
        Suppression.objects.create(channel=channel, address="+842438250000", reason="invalid")
    DoNotCall.objects.create(phone="+842438250000", source="test", listed_on=date(2026, 1, 1))
    CustomerFactory()

    # then
    assert list(call_list()) == [landline]
    assert channel_ranking(customer=landline) == []
    assert channel_ranking(customer=do_not_call) == []


@pytest.mark.django_db
def test_merged_and_erased_profiles_are_not_on_the_call_list():
    # given: two unreachable landline customers, one merged into a reachable one, one erased
    survivor = shopper(phone=None)
    merged = shopper(email=None, phone="+842438251111")
    erased = shopper(email=None, phone="+842438252222")
    for phone in ("+842438251111", "+842438252222"):
        for channel in ("sms", "zalo"):
            Suppression.objects.create(channel=channel, address=phone, reason="invalid")
    customer_merge(target=survivor, source=merged, actor=None)
    customer_erase(customer=erased, actor=None)

    assert list(call_list()) == []


@pytest.mark.django_db
def test_ranking_a_customer_with_a_long_history_takes_five_queries(
    django_assert_num_queries,
):
    # given: forty messages on three channels, opened and clicked
    customer = shopper(messenger="psid-1")
    for days_ago in range(1, 41):
        sent(customer, ("email", "sms", "messenger")[days_ago % 3], days_ago=days_ago, opened=True)

    # then: contact points, suppressions, sends, engagement, attributed orders
    with django_assert_num_queries(5):
        channel_ranking(customer=customer)


@pytest.mark.django_db
def test_a_message_that_must_take_the_best_channel_does_not_explore(settings):
    # given: a day on which this customer explores
    settings.CHANNEL_EXPLORATION_PERCENT = 100
    customer = shopper()

    # then: without exploration, the plain ranking, and the fallback walks the same list
    assert channel_ranking(customer=customer, explore=False) == ["email", "zalo", "sms"]
    assert channel_ranking(customer=customer)[0] != "email"
    assert channel_next(customer=customer, after="email", explore=False) == "zalo"
