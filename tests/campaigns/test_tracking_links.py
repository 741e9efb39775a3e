from datetime import UTC, datetime

import pytest
import time_machine
from django.core import signing

from campaigns import links
from campaigns.models import MessageLink
from campaigns.services import message_links_wrap, message_schedule
from customers.services.consent import opt_out_path
from tests.campaigns.tracking_factories import SentMessageFactory
from tests.factories import MessageTemplateFactory, customer_with

BASE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.MESSAGE_LINK_BASE_URL = BASE


def test_a_click_token_carries_the_message_and_the_link_position_and_nothing_else():
    # given
    token = links.click_token(message_id=123456, position=2)

    # when / then
    assert links.click_token_read(token) == (123456, 2)
    # base 36 id, position, a 16-character tag: short, for an SMS
    assert token.startswith("2n9c.2.")
    assert len(token) == len("2n9c.2.") + 16


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token.replace("2n9c", "2n9d", 1),  # another message
        lambda token: token.replace(".2.", ".3.", 1),  # another link
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # another signature
        lambda token: token.rsplit(".", 1)[0],  # no signature
        lambda token: "",
    ],
)
def test_a_tampered_click_token_is_refused(tamper):
    token = links.click_token(message_id=123456, position=2)

    with pytest.raises(signing.BadSignature):
        links.click_token_read(tamper(token))


def test_links_in_messages_already_sent_survive_a_secret_key_rotation(settings):
    # given: a link sent under the old key
    settings.SECRET_KEY = "old-key-" + "x" * 50
    token = links.click_token(message_id=77, position=1)

    # when: the key is rotated, the old one kept as a fallback
    settings.SECRET_KEY = "new-key-" + "y" * 50
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 50]

    # then
    assert links.click_token_read(token) == (77, 1)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        links.click_token_read(token)


def test_an_open_token_is_no_click_token_and_the_other_way_round():
    # given: both sign the same text for message 10 / position-less
    open_token = links.open_token(message_id=10)
    click_token = links.click_token(message_id=10, position=0)

    # then: each salt only accepts its own
    with pytest.raises(signing.BadSignature):
        links.click_token_read(open_token)
    with pytest.raises(signing.BadSignature):
        links.open_token_read(click_token)
    assert links.open_token_read(open_token) == 10


@pytest.mark.django_db
def test_wrapping_an_email_tracks_every_link_once_and_adds_the_pixel():
    # given: a rendered email with the same link twice, a mailto, a phone, an anchor,
    # a relative link and the opt-out link
    message = SentMessageFactory(channel="email")
    opt_out = BASE + opt_out_path(customer=message.customer, channel="email")
    html = (
        "<html><body>\n"
        '<p><a href="https://tiem.example/cart/?a=1&amp;b=2" class="button">Giỏ hàng</a></p>\n'
        "<p><A HREF='https://tiem.example/p/thit-trau/'>Thịt trâu</A>"
        ' <a href="https://tiem.example/cart/?a=1&amp;b=2">again</a></p>\n'
        '<p><a href="mailto:shop@tiem.example">mail</a> <a href="tel:+84909908089">call</a>'
        ' <a href="#top">top</a> <a href="/account/">account</a></p>\n'
        f'<p><a href="{opt_out}">Hủy đăng ký</a></p>\n'
        "</body></html>"
    )
    text = (
        "Giỏ hàng: https://tiem.example/cart/?a=1&b=2.\n"
        "Mới: (https://tiem.example/new/), hủy: " + opt_out
    )

    # when
    wrapped = message_links_wrap(message=message, html=html, text=text)

    # then: three distinct URLs, numbered in order of first appearance, HTML first
    assert list(MessageLink.objects.filter(message=message).values_list("position", "url")) == [
        (0, "https://tiem.example/cart/?a=1&b=2"),
        (1, "https://tiem.example/p/thit-trau/"),
        (2, "https://tiem.example/new/"),
    ]
    first = links.click_url(message_id=message.pk, position=0)
    second = links.click_url(message_id=message.pk, position=1)
    third = links.click_url(message_id=message.pk, position=2)
    pixel = links.open_url(message_id=message.pk)
    assert wrapped.html == (
        "<html><body>\n"
        f'<p><a href="{first}" class="button">Giỏ hàng</a></p>\n'
        f'<p><A HREF="{second}">Thịt trâu</A> <a href="{first}">again</a></p>\n'
        '<p><a href="mailto:shop@tiem.example">mail</a> <a href="tel:+84909908089">call</a>'
        ' <a href="#top">top</a> <a href="/account/">account</a></p>\n'
        f'<p><a href="{opt_out}">Hủy đăng ký</a></p>\n'
        f'<img src="{pixel}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
        "</body></html>"
    )
    assert wrapped.text == f"Giỏ hàng: {first}.\nMới: ({third}), hủy: {opt_out}"


@pytest.mark.django_db
def test_wrapping_again_reuses_the_links_and_tracked_links_are_not_wrapped_twice():
    # given
    message = SentMessageFactory(channel="sms")
    first = message_links_wrap(message=message, text="Xem https://tiem.example/a/ ngay")

    # when: the same content again, and the already wrapped text
    again = message_links_wrap(message=message, text="Xem https://tiem.example/a/ ngay")
    twice = message_links_wrap(message=message, text=first.text)

    # then
    assert again == first
    assert twice.text == first.text
    assert MessageLink.objects.filter(message=message).count() == 1


@pytest.mark.django_db
def test_an_sms_gets_its_links_wrapped_and_no_pixel():
    message = SentMessageFactory(channel="sms", address="+84909908089")

    wrapped = message_links_wrap(
        message=message, text="[QC] Giảm 10% tại https://tiem.example/sale/ . Tu choi: TC gui 8xxx"
    )

    url = links.click_url(message_id=message.pk, position=0)
    assert wrapped == type(wrapped)(html="", text=f"[QC] Giảm 10% tại {url} . Tu choi: TC gui 8xxx")


@pytest.mark.django_db
def test_an_unsaved_message_cannot_be_wrapped():
    message = SentMessageFactory.build()

    with pytest.raises(ValueError, match="Save the message"):
        message_links_wrap(message=message, text="https://tiem.example/")

    assert MessageLink.objects.count() == 0


@pytest.mark.django_db
# The opt-out link is signed with the time in seconds: the clock stands still, so the link
# built here to compare with is the one the service built (10:00 in the shop, daytime).
@time_machine.travel(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), tick=False)
def test_a_scheduled_marketing_email_wrapped_as_the_outbox_will_keeps_its_opt_out_link():
    # given: a marketing email put in the outbox by the scheduling service (it adds the
    # visible opt-out link and the List-Unsubscribe header)
    customer = customer_with(email="hoa@example.vn")
    MessageTemplateFactory(
        code="showroom_invite.1",
        channel="email",
        purpose="marketing",
        body="Ghé showroom: https://tiem.example/showroom/",
        html='<html><body><a href="https://tiem.example/showroom/">Showroom</a></body></html>',
        sample_context={},
    )
    message = message_schedule(
        customer=customer,
        purpose="marketing",
        template_code="showroom_invite.1",
        context={},
        idempotency_key="test:showroom:1",
    )
    opt_out = BASE + opt_out_path(customer=customer, channel="email")
    assert opt_out in message.body and opt_out in message.html

    # when: the wiring the outbox uses right after inserting the row
    wrapped = message_links_wrap(message=message, html=message.html, text=message.body)

    # then: the shop's link is tracked, the opt-out link and its header are untouched
    tracked = links.click_url(message_id=message.pk, position=0)
    assert list(MessageLink.objects.values_list("url", flat=True)) == [
        "https://tiem.example/showroom/"
    ]
    assert wrapped.text.startswith(f"Ghé showroom: {tracked}")
    assert wrapped.text.endswith(f": {opt_out}\n")
    assert f'href="{tracked}"' in wrapped.html
    assert f'href="{opt_out}"' in wrapped.html
    assert links.open_url(message_id=message.pk) in wrapped.html
    assert message.headers["List-Unsubscribe"] == f"<{opt_out}>"
