"""What runs without any provider: .eml files, the message log, the in-memory transports,
the health probe and the defaults chosen by DEBUG."""

import email
import email.policy
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from config.transports import (
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
    TransportHealth,
    memory,
    transport_for,
    transports_health,
)

ROOT = Path(__file__).resolve().parents[2]


def sms(**overrides) -> OutgoingMessage:
    values = {
        "channel": "sms",
        "to": "+84909908089",
        "body": "Ma xac thuc Tiem: 123456",
        "idempotency_key": "otp:42:1",
    }
    return OutgoingMessage(**{**values, **overrides})


def test_the_development_mail_backend_writes_one_openable_eml_per_message(settings, tmp_path):
    # given
    settings.EMAIL_BACKEND = "config.transports.email.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "email": "config.transports.email.EmailTransport",
    }
    first = OutgoingMessage(
        channel="email",
        to="lan@example.vn",
        subject="Đơn DH-1001",
        body="Cảm ơn chị Lan",
        html="<p>Cảm ơn chị Lan</p>",
        headers={"List-Unsubscribe": "<https://tiem.example.vn/u/1>"},
        idempotency_key="thank-you:1:42:order-1001",
    )

    # when
    transport_for("email").send(first)
    transport_for("email").send(
        OutgoingMessage(
            channel="email",
            to="minh@example.vn",
            subject="Mã xác thực",
            body="123456",
            idempotency_key="otp:43:1",
        )
    )

    # then
    files = sorted((tmp_path / "mail").iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]
    parsed = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in files
    ]
    by_recipient = {message["To"]: message for message in parsed}
    lan = by_recipient["lan@example.vn"]
    assert lan["Subject"] == "Đơn DH-1001"
    assert lan["List-Unsubscribe"] == "<https://tiem.example.vn/u/1>"
    assert lan.get_body(preferencelist=("html",)).get_content().strip() == "<p>Cảm ơn chị Lan</p>"
    assert by_recipient["minh@example.vn"].get_content().strip() == "123456"


def test_the_message_log_gets_one_json_line_per_message(settings, tmp_path):
    # given
    settings.MESSAGE_LOG_FILE = tmp_path / "messages.log"
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "sms": "config.transports.logfile.LogSmsTransport",
        "zalo": "config.transports.logfile.LogZaloTransport",
    }

    # when
    sms_result = transport_for("sms").send(sms())
    transport_for("zalo").send(
        OutgoingMessage(
            channel="zalo",
            to="+84909908089",
            body="",
            template_id="301234",
            template_data={"otp": "123456"},
            idempotency_key="otp:42:2",
        )
    )

    # then
    lines = [json.loads(line) for line in settings.MESSAGE_LOG_FILE.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["channel"] == "sms"
    assert lines[0]["to"] == "+84909908089"
    assert lines[0]["phone"] == "84909908089"
    assert lines[0]["body"] == "Ma xac thuc Tiem: 123456"
    assert lines[0]["idempotency_key"] == "otp:42:1"
    assert lines[0]["provider_id"] == sms_result.provider_id
    assert lines[1]["channel"] == "zalo"
    assert lines[1]["template_id"] == "301234"
    assert lines[1]["template_data"] == {"otp": "123456"}


def test_the_message_log_refuses_what_the_provider_would_and_writes_nothing(settings, tmp_path):
    # given
    settings.MESSAGE_LOG_FILE = tmp_path / "messages.log"
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "sms": "config.transports.logfile.LogSmsTransport",
        "messenger": "config.transports.logfile.LogMessengerTransport",
    }
    late_advert = OutgoingMessage(
        channel="messenger",
        to="6543210987654321",
        body="Giảm 20% hôm nay",
        idempotency_key="broadcast:7:42",
        purpose="marketing",
        last_inbound_at=timezone.now() - timedelta(days=2),
    )

    # when
    with pytest.raises(PermanentSendError):
        transport_for("sms").send(sms(to="12345"))
    with pytest.raises(PermanentSendError):
        transport_for("messenger").send(late_advert)

    # then
    assert not settings.MESSAGE_LOG_FILE.exists()


def test_the_memory_transports_record_every_channel_and_email_also_reaches_mail_outbox():
    # when
    sms_result = transport_for("sms").send(sms())
    email_result = transport_for("email").send(
        OutgoingMessage(
            channel="email",
            to="lan@example.vn",
            subject="Mã xác thực",
            body="123456",
            idempotency_key="otp:42:3",
        )
    )

    # then
    assert [sent.message.channel for sent in memory.outbox] == ["sms", "email"]
    assert [sent.provider_id for sent in memory.outbox] == [
        sms_result.provider_id,
        email_result.provider_id,
    ]
    assert memory.sent_on("sms") == [sms()]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["lan@example.vn"]


def test_fail_next_makes_the_next_send_fail_and_records_nothing():
    # given
    memory.fail_next("sms", TransientSendError("gateway answered 503"))

    # when
    with pytest.raises(TransientSendError) as failure:
        transport_for("sms").send(sms())
    transport_for("sms").send(sms(idempotency_key="otp:42:9"))

    # then
    assert failure.value.reason == "gateway answered 503"
    assert [sent.message.idempotency_key for sent in memory.outbox] == ["otp:42:9"]


def test_fail_next_works_for_email_too_and_nothing_reaches_mail_outbox():
    # given
    memory.fail_next("email", PermanentSendError("recipient refused"))

    # when
    with pytest.raises(PermanentSendError):
        transport_for("email").send(
            OutgoingMessage(
                channel="email",
                to="lan@example.vn",
                subject="Mã",
                body="1",
                idempotency_key="otp:1",
            )
        )

    # then
    assert memory.outbox == []
    assert mail.outbox == []


def test_the_memory_transports_apply_the_providers_rules():
    # when
    with pytest.raises(PermanentSendError) as failure:
        transport_for("zalo").send(
            OutgoingMessage(channel="zalo", to="+84909908089", body="", idempotency_key="k")
        )

    # then
    assert failure.value.reason == "a ZNS message needs the approved template's id"
    assert memory.outbox == []


def test_transport_health_lists_every_channel_and_reports_one_that_cannot_load(settings):
    # given
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "sms": "config.transports.sms.HttpSmsGateway",
        "messenger": "config.transports.nowhere.Missing",
    }
    settings.SMS_GATEWAY = {"URL": "", "API_KEY": "", "BRAND": ""}

    # when
    health = transports_health()

    # then
    assert health["email"] == TransportHealth(ok=True, detail="tests: django.core.mail.outbox")
    assert health["zalo"] == TransportHealth(ok=True, detail="tests: kept in memory")
    assert health["sms"] == TransportHealth(
        ok=False,
        detail="not configured: set SMS_GATEWAY_URL, SMS_GATEWAY_API_KEY, SMS_GATEWAY_BRAND",
    )
    assert health["messenger"].ok is False
    assert health["messenger"].detail.startswith("cannot load: ")


def _transports_with(**environ) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MESSAGE_TRANSPORT", "EMAIL_", "DEBUG", "SECRET_KEY"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **environ})
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({**settings.MESSAGE_TRANSPORTS, 'backend': settings.EMAIL_BACKEND}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_development_defaults_need_no_account_and_production_defaults_are_the_real_ones():
    # when
    development = _transports_with(DEBUG="true")
    production = _transports_with(DEBUG="false", SECRET_KEY="x" * 50)

    # then
    assert development == {
        "email": "config.transports.email.EmailTransport",
        "sms": "config.transports.logfile.LogSmsTransport",
        "zalo": "config.transports.logfile.LogZaloTransport",
        "messenger": "config.transports.logfile.LogMessengerTransport",
        "backend": "config.transports.email.EmlFileBackend",
    }
    assert production == {
        "email": "config.transports.email.EmailTransport",
        "sms": "config.transports.sms.HttpSmsGateway",
        "zalo": "config.transports.zalo.ZaloZnsTransport",
        "messenger": "config.transports.messenger.MessengerSendApiTransport",
        "backend": "django.core.mail.backends.smtp.EmailBackend",
    }


def test_each_transport_and_the_email_backend_can_be_chosen_by_environment():
    # when
    chosen = _transports_with(
        DEBUG="true",
        MESSAGE_TRANSPORT_SMS="config.transports.sms.HttpSmsGateway",
        EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
    )

    # then
    assert chosen["sms"] == "config.transports.sms.HttpSmsGateway"
    assert chosen["zalo"] == "config.transports.logfile.LogZaloTransport"
    assert chosen["backend"] == "anymail.backends.mailgun.EmailBackend"


@pytest.mark.parametrize(
    ("backend", "detail"),
    [
        (
            "config.transports.email.EmlFileBackend",
            "development: one .eml file a message in {path}",
        ),
        ("django.core.mail.backends.smtp.EmailBackend", "SMTP mail.example.vn:587"),
        ("anymail.backends.mailgun.EmailBackend", "anymail mailgun"),
    ],
)
def test_email_health_names_where_mail_goes(settings, tmp_path, backend, detail):
    # given
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_FILE_PATH = tmp_path
    settings.EMAIL_HOST = "mail.example.vn"
    settings.EMAIL_PORT = 587
    settings.ANYMAIL = {"MAILGUN_API_KEY": "key"}

    # when
    health = transport_for("email").check()

    # then
    assert health == TransportHealth(ok=True, detail=detail.format(path=tmp_path))


def test_an_esp_without_its_settings_is_unhealthy(settings):
    # given
    settings.EMAIL_BACKEND = "anymail.backends.brevo.EmailBackend"
    settings.ANYMAIL = {}

    # when
    health = transport_for("email").check()

    # then
    assert health == TransportHealth(ok=False, detail="anymail brevo: ANYMAIL settings missing")
