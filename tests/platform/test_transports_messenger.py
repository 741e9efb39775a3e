"""Messenger Send API against the fake provider, and Meta's 24-hour rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.transports import (
    OutgoingMessage,
    PermanentSendError,
    SendError,
    TransientSendError,
    transport_for,
)
from tests.transport_fakes import MESSENGER_PATH


def note(**overrides) -> OutgoingMessage:
    values = {
        "channel": "messenger",
        "to": "6543210987654321",
        "body": "Cảm ơn chị Lan! Đơn DH-1001 đã được giao.",
        "idempotency_key": "thank-you:1:42:order-1001",
        "purpose": "transactional",
        "last_inbound_at": timezone.now() - timedelta(hours=23),
    }
    return OutgoingMessage(**{**values, **overrides})


def test_inside_24_hours_a_message_is_a_response(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["messenger"])

    # when
    result = transport_for("messenger").send(note(purpose="marketing"))

    # then
    [request] = fake_provider.requests
    assert request.path == MESSENGER_PATH
    assert request.query == {"access_token": ["test-page-token"]}
    assert request.json == {
        "recipient": {"id": "6543210987654321"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Cảm ơn chị Lan! Đơn DH-1001 đã được giao."},
    }
    assert result.provider_id == "m_1"


@pytest.mark.parametrize("tag", ["POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"])
def test_outside_24_hours_a_transactional_message_goes_with_its_tag(fake_provider, settings, tag):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    message = note(last_inbound_at=timezone.now() - timedelta(hours=25), messenger_tag=tag)

    # when
    transport_for("messenger").send(message)

    # then
    [request] = fake_provider.requests
    assert request.json["messaging_type"] == "MESSAGE_TAG"
    assert request.json["tag"] == tag


@pytest.mark.parametrize("last_inbound_at", [timezone.now() - timedelta(hours=24, minutes=1), None])
def test_outside_24_hours_a_marketing_message_is_refused_and_nothing_sent(
    fake_provider, settings, last_inbound_at
):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    message = note(
        purpose="marketing",
        last_inbound_at=last_inbound_at,
        messenger_tag="POST_PURCHASE_UPDATE",
    )

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("messenger").send(message)

    # then
    assert failure.value.reason.startswith(
        "Messenger allows marketing only within 24 h of the customer's last message"
    )
    assert failure.value.reason.endswith("; nothing sent")
    assert fake_provider.requests == []


@pytest.mark.parametrize("tag", ["", "CONFIRMED_EVENT_UPDATE", "HUMAN_AGENT"])
def test_outside_24_hours_a_transactional_message_without_an_allowed_tag_is_refused(
    fake_provider, settings, tag
):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    message = note(last_inbound_at=timezone.now() - timedelta(days=3), messenger_tag=tag)

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("messenger").send(message)

    # then
    assert "needs the tag POST_PURCHASE_UPDATE or ACCOUNT_UPDATE" in failure.value.reason
    assert fake_provider.requests == []


@pytest.mark.parametrize(
    ("status", "error", "expected", "reason"),
    [
        (
            400,
            {"message": "(#551) This person isn't available right now.", "code": 551},
            PermanentSendError,
            "Messenger error 551: (#551) This person isn't available right now.",
        ),
        (
            400,
            {
                "message": "(#10) This message is sent outside of allowed window.",
                "code": 10,
                "error_subcode": 2018278,
            },
            PermanentSendError,
            "Messenger error 10/2018278: (#10) This message is sent outside of allowed window.",
        ),
        (
            400,
            {"message": "(#613) Calls to this api have exceeded the rate limit.", "code": 613},
            TransientSendError,
            "Messenger error 613: (#613) Calls to this api have exceeded the rate limit.",
        ),
        (
            500,
            {"message": "An unexpected error has occurred.", "code": 2},
            TransientSendError,
            "Messenger error 2: An unexpected error has occurred.",
        ),
    ],
)
def test_graph_api_errors_are_sorted_by_their_code(
    fake_provider, settings, status, error, expected, reason
):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    fake_provider.respond_with(status, {"error": {**error, "type": "OAuthException"}})

    # when
    with pytest.raises(SendError) as failure:
        transport_for("messenger").send(note())

    # then
    assert type(failure.value) is expected
    assert failure.value.reason == reason


@pytest.mark.parametrize(
    ("status", "body", "expected", "reason"),
    [
        (429, "slow down", TransientSendError, "Messenger answered 429: slow down"),
        (502, "<html>Bad</html>", TransientSendError, "Messenger answered 502: <html>Bad</html>"),
        (404, "no such page", PermanentSendError, "Messenger refused (404): no such page"),
    ],
)
def test_answers_without_a_graph_error_are_sorted_by_status(
    fake_provider, settings, status, body, expected, reason
):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    fake_provider.respond_with(status, body)

    # when
    with pytest.raises(SendError) as failure:
        transport_for("messenger").send(note())

    # then
    assert type(failure.value) is expected
    assert failure.value.reason == reason


def test_a_malformed_success_is_transient_and_maybe_delivered(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    fake_provider.respond_with(200, b"{")

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("messenger").send(note())

    # then
    assert failure.value.reason == 'Messenger answered 200 without a "message_id": {'
    assert failure.value.maybe_delivered is True


def test_a_slow_send_api_is_transient_and_maybe_delivered(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["messenger"], timeout=0.3)
    fake_provider.respond_with(200, delay=2.0)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("messenger").send(note())

    # then
    assert failure.value.maybe_delivered is True


def test_without_a_page_token_messenger_is_unhealthy_and_calls_nobody(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["messenger"])
    settings.MESSENGER = {**settings.MESSENGER, "PAGE_ACCESS_TOKEN": ""}

    # when
    health = transport_for("messenger").check()
    with pytest.raises(PermanentSendError) as failure:
        transport_for("messenger").send(note())

    # then
    assert health.ok is False
    assert health.detail == "not configured: set MESSENGER_PAGE_ACCESS_TOKEN"
    assert failure.value.reason == "Messenger is not configured: set MESSENGER_PAGE_ACCESS_TOKEN"
    assert fake_provider.requests == []
