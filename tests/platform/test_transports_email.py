"""Email through Django's SMTP backend, against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

import pytest

from config.transports import (
    OutgoingMessage,
    PermanentSendError,
    SendError,
    TransientSendError,
    transport_for,
)
from config.transports.email import message_id_for
from tests.transport_fakes import free_port

UNSUBSCRIBE = "<https://tiem.example.vn/u/abc>, <mailto:unsubscribe@tiem.example.vn?subject=abc>"


def welcome(**overrides) -> OutgoingMessage:
    values = {
        "channel": "email",
        "to": "lan@example.vn",
        "subject": "Giỏ hàng của bạn đang chờ",
        "body": "Chào Lan, 2 kg thịt trâu gác bếp vẫn đang chờ bạn.",
        "html": "<p>Chào Lan, <b>2 kg thịt trâu gác bếp</b> vẫn đang chờ bạn.</p>",
        "headers": {
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "idempotency_key": "cart-recovery:1:42:event-7",
        "purpose": "marketing",
    }
    return OutgoingMessage(**{**values, **overrides})


def test_an_email_reaches_the_smtp_server_with_its_headers_parts_and_recipient(
    smtp_server, settings
):
    # given
    smtp_server.configure(settings)
    settings.DEFAULT_FROM_EMAIL = "Tiệm <shop@tiem.example.vn>"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "tiem.example.vn"
    message = welcome()

    # when
    result = transport_for("email").send(message)

    # then
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.rcpt_tos == ["lan@example.vn"]
    assert received.mail_from == "shop@tiem.example.vn"
    mail = received.message
    assert mail["To"] == "lan@example.vn"
    assert mail["Subject"] == "Giỏ hàng của bạn đang chờ"
    assert mail["List-Unsubscribe"] == UNSUBSCRIBE
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["X-Tiem-Idempotency-Key"] == "cart-recovery:1:42:event-7"
    assert mail["Message-ID"] == message_id_for("cart-recovery:1:42:event-7")
    assert mail["Message-ID"].endswith("@tiem.example.vn>")
    assert result.provider_id == mail["Message-ID"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert text.strip() == "Chào Lan, 2 kg thịt trâu gác bếp vẫn đang chờ bạn."
    assert html.strip() == "<p>Chào Lan, <b>2 kg thịt trâu gác bếp</b> vẫn đang chờ bạn.</p>"


def test_the_same_key_always_gives_the_same_message_id_and_another_key_another():
    assert message_id_for("a:1") == message_id_for("a:1")
    assert message_id_for("a:1") != message_id_for("a:2")


def test_a_plain_text_email_has_no_html_part(smtp_server, settings):
    # given
    smtp_server.configure(settings)

    # when
    transport_for("email").send(welcome(html="", headers={}, purpose="transactional"))

    # then
    mail = smtp_server.messages[0].message
    assert not mail.is_multipart()
    assert mail.get_content_type() == "text/plain"
    assert mail["List-Unsubscribe"] is None


def test_a_recipient_refused_with_550_is_a_permanent_failure_with_the_servers_words(
    smtp_server, settings
):
    # given
    smtp_server.configure(settings)
    smtp_server.refuse_recipient("lan@example.vn", "550 5.1.1 No such user here")

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason == "recipient refused: lan@example.vn: 550 5.1.1 No such user here"
    assert failure.value.maybe_delivered is False
    assert smtp_server.messages == []


def test_a_recipient_deferred_with_451_is_a_transient_failure(smtp_server, settings):
    # given
    smtp_server.configure(settings)
    smtp_server.refuse_recipient("lan@example.vn", "451 4.7.1 Greylisted, try again")

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason == (
        "recipient refused: lan@example.vn: 451 4.7.1 Greylisted, try again"
    )
    assert smtp_server.messages == []


def test_a_message_refused_with_451_after_data_is_a_transient_failure(smtp_server, settings):
    # given
    smtp_server.configure(settings)
    smtp_server.refuse_data("451 4.3.0 Mailbox temporarily unavailable")

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason == "mail server answered 451 4.3.0 Mailbox temporarily unavailable"
    assert smtp_server.messages == []


def test_a_message_rejected_with_554_after_data_is_a_permanent_failure(smtp_server, settings):
    # given
    smtp_server.configure(settings)
    smtp_server.refuse_data("554 5.7.1 Message rejected as spam")

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason == "mail server answered 554 5.7.1 Message rejected as spam"


def test_a_mail_server_that_is_down_is_a_transient_failure(settings):
    # given: Django's SMTP backend pointed at a port nobody listens on
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "email": "config.transports.email.EmailTransport",
    }

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason.startswith("mail server unreachable: ")
    assert failure.value.maybe_delivered is False


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"to": "not-an-address"}, "not a valid email address: 'not-an-address'"),
        ({"subject": "  "}, "an email needs a subject"),
    ],
)
def test_an_unsendable_email_is_refused_before_the_server_is_called(
    smtp_server, settings, overrides, reason
):
    # given
    smtp_server.configure(settings)

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("email").send(welcome(**overrides))

    # then
    assert failure.value.reason == reason
    assert smtp_server.messages == []


def test_an_esp_through_anymail_gets_the_message_and_gives_its_message_id(
    fake_provider, settings
):
    # given: anymail's Mailgun backend, its API answered by the fake provider
    fake_provider.configure_mailgun(settings)
    settings.DEFAULT_FROM_EMAIL = "Tiệm <shop@tiem.example.vn>"

    # when
    result = transport_for("email").send(welcome())

    # then
    [request] = fake_provider.requests
    assert request.path == "/mailgun/v3/tiem.example.vn/messages"
    assert request.form["to"] == "lan@example.vn"
    assert request.form["subject"] == "Giỏ hàng của bạn đang chờ"
    assert request.form["h:List-Unsubscribe"] == UNSUBSCRIBE
    assert request.form["h:List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert request.form["h:X-Tiem-Idempotency-Key"] == "cart-recovery:1:42:event-7"
    assert result.provider_id == "<mailgun-1@tiem.example.vn>"


@pytest.mark.parametrize(
    ("status", "expected", "maybe_delivered"),
    [
        (503, TransientSendError, False),
        (429, TransientSendError, False),
        (400, PermanentSendError, False),
    ],
)
def test_an_esp_refusal_is_sorted_by_its_status(
    fake_provider, settings, status, expected, maybe_delivered
):
    # given
    fake_provider.configure_mailgun(settings)
    settings.DEFAULT_FROM_EMAIL = "shop@tiem.example.vn"
    fake_provider.respond_with(status, {"message": "'to' parameter is not a valid address"})

    # when
    with pytest.raises(SendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert type(failure.value) is expected
    assert failure.value.maybe_delivered is maybe_delivered
    assert "'to' parameter is not a valid address" in failure.value.reason


def test_an_unreadable_esp_answer_to_an_accepted_request_may_have_been_delivered(
    fake_provider, settings
):
    # given
    fake_provider.configure_mailgun(settings)
    settings.DEFAULT_FROM_EMAIL = "shop@tiem.example.vn"
    fake_provider.respond_with(200, b"<html>proxy says hi</html>")

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.maybe_delivered is True


def test_an_anymail_refused_recipient_is_permanent():
    from anymail.exceptions import AnymailRecipientsRefused

    from config.transports.email import classify_anymail_error

    assert type(classify_anymail_error(AnymailRecipientsRefused())) is PermanentSendError


def test_a_server_silent_after_the_message_is_transient_and_maybe_delivered(
    smtp_server, settings
):
    # given: the server takes longer to accept the message than we wait
    smtp_server.configure(settings)
    settings.EMAIL_TIMEOUT = 0.3
    smtp_server.delay_data(2.0)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("email").send(welcome())

    # then
    assert failure.value.reason == "mail server hung up: Connection unexpectedly closed: timed out"
    assert failure.value.maybe_delivered is True
