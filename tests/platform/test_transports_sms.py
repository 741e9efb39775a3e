"""Brand-name SMS through the HTTP gateway adapter, against the fake provider."""

import pytest

from config.transports import (
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    transport_for,
)
from config.transports.sms import HttpSmsGateway
from tests.transport_fakes import SMS_PATH


def invite(**overrides) -> OutgoingMessage:
    values = {
        "channel": "sms",
        "to": "+84909908089",
        "body": "[QC] Tiem: ghe showroom Ha Noi nhan qua. Tu choi: soan TC gui 8xxx",
        "idempotency_key": "showroom-invite:1:42:event-9",
        "purpose": "marketing",
    }
    return OutgoingMessage(**{**values, **overrides})


def test_an_sms_is_posted_in_the_gateways_shape_and_its_id_kept(fake_provider, settings):
    # given
    fake_provider.configure(settings)

    # when
    result = transport_for("sms").send(invite())

    # then
    [request] = fake_provider.requests
    assert request.path == SMS_PATH
    assert request.headers["authorization"] == "Bearer test-sms-key"
    assert request.json == {
        "phone": "84909908089",
        "message": "[QC] Tiem: ghe showroom Ha Noi nhan qua. Tu choi: soan TC gui 8xxx",
        "brandname": "TIEM",
        "request_id": "showroom-invite:1:42:event-9",
    }
    assert result.provider_id == "sms-1"


def test_another_gateway_is_field_names_in_settings(fake_provider, settings):
    # given: a gateway that names its fields otherwise, wants credentials in the body,
    # national numbers, and answers with "SMSID"
    fake_provider.configure(settings)
    settings.SMS_GATEWAY = {
        **settings.SMS_GATEWAY,
        "AUTH": "body",
        "SECRET": "s3cret",
        "PHONE_STYLE": "national",
        "ID_FIELD": "SMSID",
        "FIELDS": {
            "phone": "Phone",
            "text": "Content",
            "brand": "Brandname",
            "request_id": "RequestId",
            "api_key": "ApiKey",
            "secret": "SecretKey",
        },
    }
    fake_provider.respond_with(200, {"CodeResult": "100", "SMSID": "a1b2"})

    # when
    result = transport_for("sms").send(invite())

    # then
    [request] = fake_provider.requests
    assert "authorization" not in request.headers
    assert request.json == {
        "Phone": "0909908089",
        "Content": "[QC] Tiem: ghe showroom Ha Noi nhan qua. Tu choi: soan TC gui 8xxx",
        "Brandname": "TIEM",
        "RequestId": "showroom-invite:1:42:event-9",
        "ApiKey": "test-sms-key",
        "SecretKey": "s3cret",
    }
    assert result.provider_id == "a1b2"


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_transient(fake_provider, settings, status):
    # given
    fake_provider.configure(settings)
    fake_provider.respond_with(status, {"error": "busy"})

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("sms").send(invite())

    # then
    assert failure.value.reason == f'SMS gateway answered {status}: {{"error": "busy"}}'
    assert failure.value.maybe_delivered is False


@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_other_4xx_are_permanent_with_the_gateways_words(fake_provider, settings, status):
    # given
    fake_provider.configure(settings)
    fake_provider.respond_with(status, "Brandname TIEM chua dang ky cho mang Viettel")

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("sms").send(invite())

    # then
    assert failure.value.reason == (
        f"SMS gateway refused ({status}): Brandname TIEM chua dang ky cho mang Viettel"
    )


def test_a_gateway_slower_than_the_timeout_is_transient_and_maybe_delivered(
    fake_provider, settings
):
    # given
    fake_provider.configure(settings, timeout=0.3)
    fake_provider.respond_with(200, delay=2.0)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("sms").send(invite())

    # then
    assert failure.value.reason.startswith("SMS gateway did not answer in 0.3 s")
    assert failure.value.maybe_delivered is True
    assert len(fake_provider.requests) == 1


def test_a_gateway_that_is_down_is_transient_and_not_delivered(fake_provider, settings):
    # given
    fake_provider.configure(settings)
    fake_provider.stop()

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("sms").send(invite())

    # then
    assert failure.value.reason.startswith("SMS gateway unreachable: ")
    assert failure.value.maybe_delivered is False


@pytest.mark.parametrize("body", [b"{not json", b"<html>OK</html>", b"", b'{"status": "ok"}'])
def test_an_unreadable_success_is_transient_and_maybe_delivered(fake_provider, settings, body):
    # given: 200 but no message id we can read: the gateway may have taken it
    fake_provider.configure(settings)
    fake_provider.respond_with(200, body)

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("sms").send(invite())

    # then
    assert failure.value.reason.startswith("SMS gateway answered 200 without 'message_id'")
    assert failure.value.maybe_delivered is True


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"to": "+8412"}, "not a valid phone number: '+8412'"),
        ({"body": " "}, "an SMS needs a text"),
    ],
)
def test_an_unsendable_sms_is_refused_before_the_gateway_is_called(
    fake_provider, settings, overrides, reason
):
    # given
    fake_provider.configure(settings)

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("sms").send(invite(**overrides))

    # then
    assert failure.value.reason == reason
    assert fake_provider.requests == []


def test_an_unconfigured_gateway_says_what_to_set_and_calls_nobody(fake_provider, settings):
    # given
    fake_provider.configure(settings)
    settings.SMS_GATEWAY = {**settings.SMS_GATEWAY, "URL": "", "BRAND": ""}

    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("sms").send(invite())
    health = transport_for("sms").check()

    # then
    assert failure.value.reason == (
        "SMS gateway is not configured: set SMS_GATEWAY_URL, SMS_GATEWAY_BRAND"
    )
    assert health.ok is False
    assert health.detail == "not configured: set SMS_GATEWAY_URL, SMS_GATEWAY_BRAND"
    assert fake_provider.requests == []


def test_a_configured_gateway_is_healthy_without_calling_it(fake_provider, settings):
    # given
    fake_provider.configure(settings)

    # when
    health = transport_for("sms").check()

    # then
    assert health.ok is True
    assert health.detail == f"SMS gateway at {fake_provider.url}{SMS_PATH}, brand TIEM"
    assert fake_provider.requests == []


def test_a_gateway_with_its_own_answer_shape_is_one_small_subclass(fake_provider, settings):
    # given: a gateway answering 200 with its own result codes
    class CodeResultGateway(HttpSmsGateway):
        def read_answer(self, answer):
            data = answer.json() or {}
            if data.get("CodeResult") != "100":
                raise PermanentSendError(f"gateway code {data.get('CodeResult')}")
            return super().read_answer(answer)

    fake_provider.configure(settings)
    fake_provider.respond_with(200, {"CodeResult": "104", "ErrorMessage": "Brandname missing"})

    # when
    with pytest.raises(PermanentSendError) as failure:
        CodeResultGateway().send(invite())

    # then
    assert failure.value.reason == "gateway code 104"
