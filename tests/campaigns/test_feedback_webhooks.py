"""Provider reports: the signed delivery-report webhook (SMS, Zalo, Messenger) and email
through anymail's ESP webhooks. Requests are built here the way the providers send them."""

import base64
import hashlib
import hmac
import json

import pytest

from campaigns.models import MessageActivity, Suppression
from campaigns.services import message_feedback_record
from customers.models import ConsentRecord
from customers.selectors import consent_current
from customers.services import consent_record, customer_erase
from tests.campaigns.tracking_factories import SentMessageFactory

SMS_SECRET = "sms-gateway-secret"
PHONE = "+84909908089"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.MESSAGE_WEBHOOK_SECRETS = {"sms": SMS_SECRET, "zalo": "zalo-secret", "messenger": ""}
    # anymail reads ANYMAIL["WEBHOOK_SECRET"] first, then ANYMAIL_WEBHOOK_SECRET.
    settings.ANYMAIL = {"WEBHOOK_SECRET": "esp:hook-password"}
    settings.ANYMAIL_WEBHOOK_SECRET = "esp:hook-password"


def signed_post(client, channel, body: bytes, *, secret=SMS_SECRET, signature=None):
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/m/webhooks/{channel}/",
        data=body,
        content_type="application/json",
        HTTP_X_TIEM_SIGNATURE=signature,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def report(*events) -> bytes:
    return json.dumps({"events": list(events)}).encode()


@pytest.fixture
def sms():
    return SentMessageFactory(channel="sms", address=PHONE, provider_id="gw-123")


def granted_marketing(customer, channel):
    consent_record(
        customer=customer,
        channel=channel,
        purpose="marketing",
        granted=True,
        source="web_form",
        actor="shopper",
    )


def nothing_changed():
    return (
        MessageActivity.objects.count(),
        Suppression.objects.count(),
        ConsentRecord.objects.filter(granted=False).count(),
    ) == (0, 0, 0)


@pytest.mark.django_db
def test_a_delivery_report_is_recorded(client, sms):
    response = signed_post(
        client,
        "sms",
        report(
            {
                "message_id": "gw-123",
                "status": "delivered",
                "id": "evt-1",
                "occurred_at": "2026-11-30T03:00:05Z",
            }
        ),
    )

    assert response.status_code == 200
    assert response.json() == {"recorded": 1, "ignored": 0}
    activity = MessageActivity.objects.get()
    assert (activity.message, activity.kind, activity.source, activity.provider_event_id) == (
        sms,
        "delivered",
        "sms",
        "evt-1",
    )
    assert activity.occurred_at.isoformat() == "2026-11-30T03:00:05+00:00"
    assert Suppression.objects.count() == 0


@pytest.mark.django_db
def test_a_number_that_cannot_receive_sms_is_suppressed_once_however_often_it_is_reported(
    client, sms
):
    # given: the gateway says the number is not a mobile, and says it again (a retry)
    body = report({"message_id": "gw-123", "status": "failed", "reason": "Not a mobile number"})

    # when
    first = signed_post(client, "sms", body)
    again = signed_post(client, "sms", body)

    # then
    assert (first.status_code, again.status_code) == (200, 200)
    assert list(MessageActivity.objects.values_list("kind", "detail")) == [
        ("bounced", "Not a mobile number")
    ]
    suppression = Suppression.objects.get()
    assert (suppression.channel, suppression.address, suppression.reason) == (
        "sms",
        PHONE,
        "hard_bounce",
    )
    assert suppression.detail == "sms: Not a mobile number"


@pytest.mark.django_db
def test_a_complaint_suppresses_and_withdraws_marketing_consent_with_the_provider_as_proof(
    client, sms
):
    # given: the shopper had granted SMS marketing
    granted_marketing(sms.customer, "sms")

    # when: the gateway reports a complaint (the shopper reported the SMS as spam)
    response = signed_post(
        client, "sms", report({"message_id": "gw-123", "status": "complained", "id": "c-9"})
    )

    # then
    assert response.status_code == 200
    assert Suppression.objects.get().reason == "complaint"
    assert consent_current(customer=sms.customer, channel="sms", purpose="marketing") is False
    withdrawal = ConsentRecord.objects.get(granted=False)
    assert (withdrawal.channel, withdrawal.purpose, withdrawal.source, withdrawal.actor) == (
        "sms",
        "marketing",
        "provider_complaint",
        "shopper",
    )
    assert withdrawal.source_ref == f"sms complaint about message #{sms.pk} (gw-123)"
    # email consent is another channel's, untouched
    assert ConsentRecord.objects.filter(channel="email").count() == 0


@pytest.mark.django_db
def test_replies_and_unknown_messages(client, sms):
    response = signed_post(
        client,
        "sms",
        report(
            {"message_id": "gw-123", "status": "replied"},
            {"message_id": "gw-123", "status": "replied"},
            {"message_id": "someone-elses", "status": "bounced"},
        ),
    )

    assert response.json() == {"recorded": 2, "ignored": 1}
    assert MessageActivity.objects.filter(kind="replied").count() == 2
    assert Suppression.objects.count() == 0


@pytest.mark.django_db
def test_a_report_is_looked_up_on_its_own_channel_only(client, sms):
    # given: the same provider id on Zalo: it names no Zalo message
    body = report({"message_id": "gw-123", "status": "bounced"})

    response = signed_post(client, "zalo", body, secret="zalo-secret")

    assert response.json() == {"recorded": 0, "ignored": 1}
    assert nothing_changed()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=" + "0" * 64,
        "sha1=abc",
        "sha256=" + hmac.new(b"another-secret", b"x", hashlib.sha256).hexdigest(),
    ],
)
def test_a_bad_signature_is_a_401_and_nothing_changes(client, sms, signature):
    granted_marketing(sms.customer, "sms")

    response = signed_post(
        client,
        "sms",
        report({"message_id": "gw-123", "status": "complained"}),
        signature=signature,
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": "bad_signature",
        "detail": "The report's signature is missing or wrong; nothing was recorded.",
        "fields": {},
    }
    assert nothing_changed()


@pytest.mark.django_db
def test_a_body_changed_after_signing_is_refused(client, sms):
    body = report({"message_id": "gw-123", "status": "delivered"})
    signature = "sha256=" + hmac.new(SMS_SECRET.encode(), body, hashlib.sha256).hexdigest()

    response = signed_post(
        client, "sms", body.replace(b"delivered", b"bounced!!"), signature=signature
    )

    assert response.status_code == 401
    assert nothing_changed()


@pytest.mark.django_db
def test_a_channel_without_a_secret_takes_no_reports(client, sms):
    # Messenger has no secret configured: even a "signed" report is refused.
    response = signed_post(
        client, "messenger", report({"message_id": "x", "status": "bounced"}), secret=""
    )

    assert response.status_code == 401
    assert nothing_changed()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b"not json at all", {}),
        (b'{"events": []}', {"events": {"non_field_errors": ["This list may not be empty."]}}),
        (
            b'{"events": "delivered"}',
            {"events": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
        (
            b'{"events": [{"message_id": "gw-123", "status": "exploded"}]}',
            {"events": {"0": {"status": ['"exploded" is not a valid choice.']}}},
        ),
        (
            b'{"events": [{"message_id": "gw-123", "status": "bounced"}, {"status": "delivered"}]}',
            {"events": {"1": {"message_id": ["This field is required."]}}},
        ),
    ],
)
def test_a_malformed_report_is_a_400_and_nothing_changes(client, sms, body, fields):
    response = signed_post(client, "sms", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == fields
    assert nothing_changed()


# --- Email, through anymail (Postmark's shapes) ------------------------------------------


def basic_auth(credentials="esp:hook-password"):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def postmark(client, payload, *, auth=None):
    return client.post(
        "/m/webhooks/email/postmark/tracking/",
        data=json.dumps(payload) if isinstance(payload, dict) else payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=auth or basic_auth(),
    )


@pytest.fixture
def email():
    return SentMessageFactory(channel="email", address="hoa@example.vn", provider_id="pm-0a1b2c3d")


def postmark_bounce(kind="HardBounce", message_id="pm-0a1b2c3d"):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "MessageID": message_id,
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "hoa@example.vn",
        "BouncedAt": "2026-11-30T03:01:00Z",
    }


@pytest.mark.django_db
def test_a_hard_bounce_from_the_esp_suppresses_the_email_address(client, email):
    response = postmark(client, postmark_bounce())

    assert response.status_code == 200
    activity = MessageActivity.objects.get()
    assert (activity.message, activity.kind, activity.source, activity.provider_event_id) == (
        email,
        "bounced",
        "anymail:Postmark",
        "4323372036854775807",
    )
    suppression = Suppression.objects.get()
    assert (suppression.channel, suppression.address, suppression.reason) == (
        "email",
        "hoa@example.vn",
        "hard_bounce",
    )


@pytest.mark.django_db
def test_a_soft_bounce_is_only_a_delay(client, email):
    response = postmark(client, postmark_bounce(kind="SoftBounce"))

    assert response.status_code == 200
    assert MessageActivity.objects.get().kind == "deferred"
    assert Suppression.objects.count() == 0


@pytest.mark.django_db
def test_a_spam_complaint_from_the_esp_withdraws_email_marketing(client, email):
    granted_marketing(email.customer, "email")

    response = postmark(
        client,
        {
            "RecordType": "SpamComplaint",
            "ID": 42,
            "Type": "SpamComplaint",
            "MessageID": "pm-0a1b2c3d",
            "Email": "hoa@example.vn",
            "BouncedAt": "2026-11-30T05:00:00Z",
        },
    )

    assert response.status_code == 200
    assert Suppression.objects.get().reason == "complaint"
    withdrawal = ConsentRecord.objects.get(granted=False)
    assert (withdrawal.channel, withdrawal.source) == ("email", "provider_complaint")
    assert withdrawal.source_ref.startswith("anymail:Postmark complaint about message #")


@pytest.mark.django_db
def test_esp_opens_and_clicks_are_ignored_ours_count(client, email):
    response = postmark(
        client,
        {
            "RecordType": "Open",
            "MessageID": "pm-0a1b2c3d",
            "Recipient": "hoa@example.vn",
            "ReceivedAt": "2026-11-30T05:00:00Z",
        },
    )

    assert response.status_code == 200
    assert nothing_changed()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", [basic_auth("esp:wrong"), "", "Bearer x"])
def test_an_esp_report_without_the_right_password_is_a_401(client, email, auth):
    response = client.post(
        "/m/webhooks/email/postmark/tracking/",
        data=json.dumps(postmark_bounce()),
        content_type="application/json",
        **({"HTTP_AUTHORIZATION": auth} if auth else {}),
    )

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert nothing_changed()


@pytest.mark.django_db
def test_an_unreadable_esp_report_is_a_400(client, email):
    response = postmark(client, "{not json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert nothing_changed()


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailInsecureWebhookWarning")
def test_without_a_webhook_password_email_reports_are_refused(client, email, settings):
    settings.ANYMAIL = {}
    settings.ANYMAIL_WEBHOOK_SECRET = ""

    response = postmark(client, postmark_bounce())

    assert response.status_code == 401
    assert response.json()["code"] == "webhook_not_configured"
    assert nothing_changed()


# --- The service itself ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_complaint_about_an_erased_profile_suppresses_the_address_and_records_no_consent(sms):
    # given
    granted_marketing(sms.customer, "sms")
    customer_erase(customer=sms.customer, actor=None)
    records_before = ConsentRecord.objects.count()

    # when
    activity = message_feedback_record(
        channel="sms", provider_id="gw-123", kind="complained", source="sms"
    )

    # then
    assert activity.kind == "complained"
    assert Suppression.objects.get().address == PHONE
    assert ConsentRecord.objects.count() == records_before


@pytest.mark.django_db
def test_opens_and_clicks_are_not_provider_reports(sms):
    with pytest.raises(ValueError, match="not a provider report"):
        message_feedback_record(channel="sms", provider_id="gw-123", kind="clicked", source="sms")

    assert nothing_changed()
