from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import ConsentRecord, Event
from customers.selectors import consent_current, consent_state, customers_with_marketing_consent
from customers.services import consent_opt_out_token, consent_record
from customers.services.consent import opt_out_path
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def grant(customer, channel="email", granted=True, **kwargs):
    return consent_record(
        customer=customer,
        channel=channel,
        purpose="marketing",
        granted=granted,
        source=kwargs.pop("source", "web_form"),
        actor=kwargs.pop("actor", "shopper"),
        wording_version=kwargs.pop("wording_version", "2026-01"),
        **kwargs,
    )


def test_no_record_means_no_marketing_consent():
    customer = CustomerFactory()

    assert consent_current(customer=customer, channel="email", purpose="marketing") is False
    assert consent_state(customer=customer)["sms"]["marketing"] is False
    assert not customers_with_marketing_consent(channel="email").exists()


def test_the_latest_record_decides_and_history_is_kept_after_withdrawal():
    # given
    customer = CustomerFactory()
    grant(customer, recorded_at=timezone.now() - timedelta(days=3))

    # when
    grant(customer, granted=False, source="staff", actor="staff")

    # then
    assert consent_current(customer=customer, channel="email", purpose="marketing") is False
    assert list(customer.consents.order_by("recorded_at").values_list("granted", flat=True)) == [
        True,
        False,
    ]
    assert Event.objects.filter(customer=customer, kind="consent_changed").count() == 2


def test_consent_is_per_channel():
    customer = CustomerFactory()
    grant(customer, channel="zalo")

    assert consent_current(customer=customer, channel="zalo", purpose="marketing") is True
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is False
    assert list(customers_with_marketing_consent(channel="zalo")) == [customer]


def test_consent_records_are_append_only():
    from customers.models import AppendOnlyError

    record = grant(CustomerFactory())

    record.granted = False
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert ConsentRecord.objects.get().granted is True


def test_opt_out_link_get_asks_for_confirmation_and_changes_nothing(client):
    # given: a mail scanner (or the shopper) follows the link
    customer = CustomerFactory(preferred_language="en")
    grant(customer, channel="sms")
    events_before = Event.objects.count()

    # when
    response = client.get(opt_out_path(customer=customer, channel="sms"))

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "store/account/opt_out_confirm.html"
    assert 'method="post"' in response.content.decode()
    assert customer.consents.count() == 1
    assert ConsentRecord.objects.count() == 1
    assert Event.objects.count() == events_before
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is True


def test_opt_out_confirmation_post_withdraws_and_confirms_in_the_shoppers_language(client):
    # given
    customer = CustomerFactory(preferred_language="en")
    grant(customer, channel="sms")

    # when
    response = client.post(opt_out_path(customer=customer, channel="sms"))

    # then
    assert response.status_code == 200
    assert "unsubscribed" in response.content.decode()
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is False
    withdrawal = customer.consents.order_by("-recorded_at", "-id").first()
    assert (withdrawal.granted, withdrawal.source, withdrawal.actor) == (False, "link", "shopper")
    assert customer.consents.count() == 2


def test_rfc_8058_one_click_post_works_without_a_csrf_token():
    # given: a mail client's one-click unsubscribe: no cookie, no CSRF token
    from django.test import Client

    customer = CustomerFactory()
    grant(customer, channel="email")
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(
        opt_out_path(customer=customer, channel="email"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # then
    assert response.status_code == 200
    assert consent_current(customer=customer, channel="email", purpose="marketing") is False


def test_the_confirmation_form_post_without_csrf_token_is_refused_and_changes_nothing():
    # given: a cross-site form that is not the RFC 8058 one-click body
    from django.test import Client

    customer = CustomerFactory()
    grant(customer, channel="email")
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(opt_out_path(customer=customer, channel="email"))

    # then
    assert response.status_code == 403
    assert customer.consents.count() == 1
    assert consent_current(customer=customer, channel="email", purpose="marketing") is True


def test_the_confirmation_form_carries_its_csrf_token_and_works():
    # given
    from django.test import Client

    customer = CustomerFactory()
    grant(customer, channel="email")
    client = Client(enforce_csrf_checks=True)
    path = opt_out_path(customer=customer, channel="email")
    page = client.get(path)
    token = page.context["csrf_token"]

    # when
    response = client.post(path, {"csrfmiddlewaretoken": str(token)})

    # then
    assert response.status_code == 200
    assert consent_current(customer=customer, channel="email", purpose="marketing") is False


def test_opt_out_pages_in_vietnamese(client):
    customer = CustomerFactory(preferred_language="vi")
    grant(customer)
    path = opt_out_path(customer=customer, channel="email")

    asked = client.get(path)
    done = client.post(path)

    assert 'lang="vi"' in asked.content.decode()
    assert "Hủy đăng ký?" in asked.content.decode()
    assert done.status_code == 200
    assert 'lang="vi"' in done.content.decode()
    assert "Bạn đã hủy đăng ký" in done.content.decode()


def test_confirming_twice_writes_one_withdrawal(client):
    customer = CustomerFactory()
    grant(customer)
    path = opt_out_path(customer=customer, channel="email")

    client.post(path)
    client.post(path)

    assert customer.consents.filter(granted=False).count() == 1


@pytest.mark.parametrize("tamper", ["flip", "garbage", "other-salt"])
def test_bad_or_tampered_opt_out_link_shows_an_error_and_changes_nothing(client, tamper):
    # given
    customer = CustomerFactory()
    grant(customer)
    token = consent_opt_out_token(customer=customer, channel="email")
    if tamper == "flip":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif tamper == "garbage":
        token = "not-a-token"
    else:
        from django.core import signing

        token = signing.dumps({"c": customer.pk, "ch": "email"}, salt="something-else")
    events_before = Event.objects.count()

    # when
    response = client.get(f"/opt-out/{token}/")

    # then
    assert response.status_code == 400
    assert "link" in response.content.decode().lower()
    assert customer.consents.count() == 1
    assert consent_current(customer=customer, channel="email", purpose="marketing") is True
    assert Event.objects.count() == events_before
