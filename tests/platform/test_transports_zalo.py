"""Zalo ZNS against the fake provider: template send, token refresh, error codes."""

import pytest
from django.core.cache import cache

from config.transports import (
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    transport_for,
)
from config.transports.zalo import (
    ACCESS_TOKEN_KEY,
    REFRESH_LOCK_KEY,
    REFRESH_TOKEN_KEY,
    tracking_id,
)
from tests.transport_fakes import ZALO_TOKEN_PATH, ZNS_PATH


def thanks(**overrides) -> OutgoingMessage:
    values = {
        "channel": "zalo",
        "to": "+84909908089",
        "body": "Cảm ơn chị Lan đã mua hàng",
        "template_id": "301234",
        "template_data": {"customer_name": "Lan", "order_code": "DH-1001"},
        "idempotency_key": "thank-you:1:42:order-1001",
    }
    return OutgoingMessage(**{**values, **overrides})


def test_the_first_send_refreshes_the_token_then_posts_the_template(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["zalo"])

    # when
    result = transport_for("zalo").send(thanks())

    # then
    token_request, send_request = fake_provider.requests
    assert token_request.path == ZALO_TOKEN_PATH
    assert token_request.headers["secret_key"] == "test-zalo-secret"
    assert token_request.form == {
        "app_id": "test-zalo-app",
        "refresh_token": "refresh-0",
        "grant_type": "refresh_token",
    }
    assert send_request.path == ZNS_PATH
    assert send_request.headers["access_token"] == "access-1"
    assert send_request.json == {
        "phone": "84909908089",
        "template_id": "301234",
        "template_data": {"customer_name": "Lan", "order_code": "DH-1001"},
        "tracking_id": "thank-you:1:42:order-1001",
    }
    assert result.provider_id == "zns-2"


def test_the_cached_token_serves_the_next_sends_without_refreshing(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    transport_for("zalo").send(thanks())

    # when
    transport_for("zalo").send(thanks(idempotency_key="thank-you:1:43:order-1002"))

    # then
    assert [request.path for request in fake_provider.requests] == [
        ZALO_TOKEN_PATH,
        ZNS_PATH,
        ZNS_PATH,
    ]
    assert fake_provider.requests[2].headers["access_token"] == "access-1"


def test_an_expired_token_is_refreshed_once_with_the_rotated_refresh_token(fake_provider, settings):
    # given: a token in the cache that Zalo no longer accepts
    fake_provider.configure(settings, channels=["zalo"])
    cache.set(ACCESS_TOKEN_KEY, "access-old")
    cache.set(REFRESH_TOKEN_KEY, "refresh-rotated")
    fake_provider.respond_with(
        200, {"error": -124, "message": "Access token is invalid"}, path=ZNS_PATH
    )

    # when
    result = transport_for("zalo").send(thanks())

    # then
    first, refresh, second = fake_provider.requests
    assert first.headers["access_token"] == "access-old"
    assert refresh.form["refresh_token"] == "refresh-rotated"
    assert second.headers["access_token"] == "access-1"
    assert result.provider_id == "zns-2"
    assert cache.get(ACCESS_TOKEN_KEY) == "access-1"
    assert cache.get(REFRESH_TOKEN_KEY) == "refresh-1"


def test_a_token_refused_again_after_the_refresh_is_not_refreshed_in_a_loop(
    fake_provider, settings
):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    cache.set(ACCESS_TOKEN_KEY, "access-old")
    fake_provider.respond_with(
        200, {"error": -124, "message": "Access token is invalid"}, path=ZNS_PATH, times=2
    )

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.reason == (
        "Zalo ZNS error -124: Access token is invalid (even after a token refresh)"
    )
    assert [request.path for request in fake_provider.requests] == [
        ZNS_PATH,
        ZALO_TOKEN_PATH,
        ZNS_PATH,
    ]


def test_a_refused_refresh_token_is_permanent_and_shown_in_the_health_probe(
    fake_provider, settings
):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    fake_provider.respond_with(
        200,
        {"error": -14014, "error_name": "Invalid refresh token", "error_description": "expired"},
        path=ZALO_TOKEN_PATH,
    )

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("zalo").send(thanks())
    health = transport_for("zalo").check()

    # then
    assert failure.value.reason == (
        "Zalo ZNS refused the refresh token: expired; set a new ZALO_REFRESH_TOKEN"
    )
    assert [request.path for request in fake_provider.requests] == [ZALO_TOKEN_PATH]
    assert health.ok is False
    assert health.detail.endswith("Zalo ZNS refused the refresh token: expired")
    assert cache.get(ACCESS_TOKEN_KEY) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-108, "Phone number is invalid"),
        (-109, "Template ID is invalid"),
        (-118, "Zalo account is not existed"),
        (-139, "User refused to receive ZNS"),
    ],
)
def test_error_codes_about_the_message_or_recipient_are_permanent(
    fake_provider, settings, code, message
):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    fake_provider.respond_with(200, {"error": code, "message": message}, path=ZNS_PATH)

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.reason == f"Zalo ZNS error {code}: {message}"


@pytest.mark.parametrize(
    ("code", "message"),
    [(-100, "Unknown error"), (-115, "Out of quota"), (-144, "OA has exceeded daily quota")],
)
def test_error_codes_that_pass_are_transient(fake_provider, settings, code, message):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    fake_provider.respond_with(200, {"error": code, "message": message}, path=ZNS_PATH)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.reason == f"Zalo ZNS error {code}: {message}"
    assert failure.value.maybe_delivered is False


@pytest.mark.parametrize(
    ("status", "expected", "reason"),
    [
        (429, TransientSendError, "Zalo ZNS answered 429: upstream trouble"),
        (503, TransientSendError, "Zalo ZNS answered 503: upstream trouble"),
        (400, PermanentSendError, "Zalo ZNS refused (400): upstream trouble"),
    ],
)
def test_http_statuses_are_sorted_like_every_provider(
    fake_provider, settings, status, expected, reason
):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    cache.set(ACCESS_TOKEN_KEY, "access-cached")
    fake_provider.respond_with(status, "upstream trouble", path=ZNS_PATH)

    # when
    with pytest.raises(expected) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert type(failure.value) is expected
    assert failure.value.reason == reason


def test_a_slow_answer_is_transient_and_maybe_delivered(fake_provider, settings):
    # given: the token is at hand; the send itself hangs
    fake_provider.configure(settings, channels=["zalo"], timeout=0.3)
    cache.set(ACCESS_TOKEN_KEY, "access-cached")
    fake_provider.respond_with(200, delay=2.0, path=ZNS_PATH)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.maybe_delivered is True


def test_a_malformed_answer_is_transient_and_maybe_delivered(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    cache.set(ACCESS_TOKEN_KEY, "access-cached")
    fake_provider.respond_with(200, b'{"data": ', path=ZNS_PATH)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.reason == 'Zalo ZNS answered 200 without an "error" code: {"data":'
    assert failure.value.maybe_delivered is True


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"template_id": ""}, "a ZNS message needs the approved template's id"),
        ({"to": "+84 12"}, "not a valid phone number: '+84 12'"),
    ],
)
def test_an_unsendable_zns_is_refused_before_zalo_is_called(
    fake_provider, settings, overrides, reason
):
    # given
    fake_provider.configure(settings, channels=["zalo"])

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("zalo").send(thanks(**overrides))

    # then
    assert failure.value.reason == reason
    assert fake_provider.requests == []


def test_a_long_idempotency_key_becomes_a_digest_that_fits_tracking_id():
    # given
    key = "review-request:flow-12:step-3:customer-123456:event-98765432:order-20261130-0001"

    # when
    tracked = tracking_id(key)

    # then
    assert len(key) > 48
    assert len(tracked) == 48
    assert tracked == tracking_id(key)
    assert tracking_id("short-key") == "short-key"


def test_an_unconfigured_zalo_is_unhealthy_and_refuses_to_send(fake_provider, settings):
    # given
    fake_provider.configure(settings, channels=["zalo"])
    settings.ZALO_ZNS = {**settings.ZALO_ZNS, "APP_SECRET": "", "REFRESH_TOKEN": ""}

    # when
    health = transport_for("zalo").check()
    with pytest.raises(PermanentSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert health.ok is False
    assert health.detail == "not configured: set ZALO_APP_SECRET, ZALO_REFRESH_TOKEN"
    assert failure.value.reason == (
        "Zalo ZNS is not configured: set ZALO_APP_SECRET, ZALO_REFRESH_TOKEN"
    )
    assert fake_provider.requests == []


def test_while_another_worker_refreshes_the_token_the_send_waits_for_later(
    fake_provider, settings
):
    # given: the single-use refresh token is being spent elsewhere
    fake_provider.configure(settings, channels=["zalo"])
    cache.add(REFRESH_LOCK_KEY, "1", timeout=30)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("zalo").send(thanks())

    # then
    assert failure.value.reason == "Zalo ZNS token is being refreshed by another worker"
    assert failure.value.maybe_delivered is False
    assert fake_provider.requests == []
