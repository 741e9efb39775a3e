from datetime import UTC, datetime, timedelta

import pytest

from campaigns import links
from campaigns.models import MessageActivity, MessageLink
from campaigns.services import message_links_wrap
from customers.models import Event
from customers.services import customer_erase
from tests.campaigns.tracking_factories import SentMessageFactory

SENT_AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


@pytest.fixture
def email(settings, time_machine):
    """An email sent at SENT_AT whose one link is tracked; the clock stands at SENT_AT."""
    settings.MESSAGE_SCANNER_SECONDS = 10
    time_machine.move_to(SENT_AT, tick=False)
    message = SentMessageFactory(channel="email", sent_at=SENT_AT)
    message_links_wrap(message=message, html='<a href="https://tiem.example/cart/">Giỏ</a>')
    return message


def click_path(message, position=0):
    return links.click_url(message_id=message.pk, position=position).removeprefix(
        "http://127.0.0.1:8000"
    )


def open_path(message):
    return links.open_url(message_id=message.pk).removeprefix("http://127.0.0.1:8000")


def nothing_tracked():
    return (
        MessageActivity.objects.count(),
        Event.objects.filter(kind__in=["message_opened", "message_clicked"]).count(),
    ) == (0, 0)


@pytest.mark.django_db
def test_a_click_a_minute_after_sending_is_counted_and_goes_to_the_link(
    client, email, time_machine
):
    # given: a minute after sending
    time_machine.move_to(SENT_AT + timedelta(minutes=1), tick=False)

    # when
    response = client.get(click_path(email), HTTP_USER_AGENT="Mozilla/5.0 (iPhone)")

    # then: off to the URL the message carried
    assert response.status_code == 302
    assert response["Location"] == "https://tiem.example/cart/"
    assert response["Cache-Control"] == "no-store, private"
    activity = MessageActivity.objects.get()
    link = MessageLink.objects.get(message=email)
    assert (activity.kind, activity.link, activity.is_scanner, activity.source) == (
        "clicked",
        link,
        False,
        "redirect",
    )
    assert (activity.occurred_at, activity.user_agent) == (
        SENT_AT + timedelta(minutes=1),
        "Mozilla/5.0 (iPhone)",
    )
    # and on the timeline, without the URL or the address
    event = Event.objects.get(kind="message_clicked")
    assert event.customer == email.customer
    assert event.occurred_at == SENT_AT + timedelta(minutes=1)
    assert event.payload == {
        "message_id": email.pk,
        "activity_id": activity.pk,
        "channel": "email",
        "purpose": "marketing",
        "flow": "cart_abandoned",
        "step": "1",
        "template_code": "cart_abandoned.1",
        "is_scanner": False,
        "link_position": 0,
    }


@pytest.mark.django_db
def test_a_click_within_ten_seconds_of_sending_is_a_scanner_kept_flagged(
    client, email, time_machine
):
    # given: 9 seconds after sending, a mail scanner follows the link
    time_machine.move_to(SENT_AT + timedelta(seconds=9), tick=False)

    # when
    response = client.get(click_path(email))

    # then: the shopper-facing answer is the same, the row and the event are flagged
    assert response.status_code == 302
    assert MessageActivity.objects.get().is_scanner is True
    assert Event.objects.get(kind="message_clicked").payload["is_scanner"] is True


@pytest.mark.django_db
def test_the_scanner_window_is_a_setting(client, email, time_machine, settings):
    settings.MESSAGE_SCANNER_SECONDS = 0
    time_machine.move_to(SENT_AT + timedelta(seconds=1), tick=False)

    client.get(click_path(email))

    assert MessageActivity.objects.get().is_scanner is False


@pytest.mark.django_db
def test_a_click_on_a_message_not_sent_yet_is_not_the_shopper(client, time_machine):
    # given: a message still pending (an admin preview's link, say)
    time_machine.move_to(SENT_AT, tick=False)
    message = SentMessageFactory(state="pending", sent_at=None)
    message_links_wrap(message=message, text="https://tiem.example/")

    # when
    client.get(click_path(message))

    # then
    assert MessageActivity.objects.get().is_scanner is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + "xx",
        lambda token: token.replace(".0.", ".1.", 1),
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_a_400_page_and_nothing_is_written(client, email, tamper):
    token = links.click_token(message_id=email.pk, position=0)

    response = client.get(f"/m/c/{tamper(token)}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert nothing_tracked()


@pytest.mark.django_db
def test_a_validly_signed_link_the_message_never_carried_is_a_400(client, email):
    # given: a genuine signature for position 5, which the message does not have
    response = client.get(click_path(email, position=5))

    assert response.status_code == 400
    assert nothing_tracked()


@pytest.mark.django_db
def test_the_open_pixel_token_does_not_open_the_redirect(client, email):
    token = links.open_token(message_id=email.pk)

    response = client.get(f"/m/c/{token}/")

    assert response.status_code == 400
    assert nothing_tracked()


@pytest.mark.django_db
def test_a_head_request_is_answered_without_recording(client, email, time_machine):
    time_machine.move_to(SENT_AT + timedelta(minutes=5), tick=False)

    click = client.head(click_path(email))
    pixel = client.head(open_path(email))

    assert (click.status_code, pixel.status_code) == (302, 200)
    assert nothing_tracked()


@pytest.mark.django_db
def test_opens_are_all_kept_and_the_timeline_says_opened_once(client, email, time_machine):
    # given: the privacy proxy fetches the pixel on arrival, then the shopper opens twice
    time_machine.move_to(SENT_AT + timedelta(seconds=2), tick=False)
    arrival = client.get(open_path(email))
    time_machine.move_to(SENT_AT + timedelta(hours=2), tick=False)
    first = client.get(open_path(email))
    time_machine.move_to(SENT_AT + timedelta(hours=5), tick=False)
    client.get(open_path(email))

    # then: a GIF every time, three rows (the first flagged), one timeline event
    assert (first.status_code, first["Content-Type"]) == (200, "image/gif")
    assert arrival.content[:6] == b"GIF89a"
    assert list(
        MessageActivity.objects.order_by("occurred_at").values_list("kind", "is_scanner")
    ) == [("opened", True), ("opened", False), ("opened", False)]
    event = Event.objects.get(kind="message_opened")
    assert event.occurred_at == SENT_AT + timedelta(hours=2)
    assert event.payload["message_id"] == email.pk


@pytest.mark.django_db
def test_a_tampered_pixel_is_a_400_and_nothing_is_written(client, email):
    token = links.open_token(message_id=email.pk)

    response = client.get(f"/m/o/{token[:-1]}A/" if token[-1] != "A" else f"/m/o/{token[:-1]}B/")

    assert response.status_code == 400
    assert nothing_tracked()


@pytest.mark.django_db
def test_an_erased_customer_still_reaches_the_page_but_is_no_longer_tracked(
    client, email, time_machine
):
    # given
    customer_erase(customer=email.customer, actor=None)
    time_machine.move_to(SENT_AT + timedelta(hours=1), tick=False)
    events_before = Event.objects.count()

    # when
    click = client.get(click_path(email))
    pixel = client.get(open_path(email))

    # then
    assert (click.status_code, click["Location"], pixel.status_code) == (
        302,
        "https://tiem.example/cart/",
        200,
    )
    assert MessageActivity.objects.count() == 0
    assert Event.objects.count() == events_before
