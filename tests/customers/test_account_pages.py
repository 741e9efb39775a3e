import pytest

from customers.models import ConsentRecord, Customer
from customers.selectors import consent_current
from tests.factories import customer_with

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_records_consent_and_logs_in(client):
    # when
    response = client.post(
        "/account/signup/",
        {
            "full_name": "Anh Toản",
            "phone": "0909 908 089",
            "password": "bánh-cuốn-2026",
            "marketing_channels": ["sms"],
        },
    )

    # then
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.user is not None
    assert client.session["_auth_user_id"] == str(customer.user.pk)
    assert consent_current(customer=customer, channel="sms", purpose="marketing") is True
    assert consent_current(customer=customer, channel="email", purpose="marketing") is False
    record = ConsentRecord.objects.get()
    assert (record.source, record.wording_version) == ("web_form", "signup-2026-11")


def test_signup_with_an_invalid_phone_shows_why_and_writes_nothing(client):
    response = client.post("/account/signup/", {"phone": "0909", "password": "bánh-cuốn-2026"})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not Customer.objects.exists()


def test_signup_on_a_profile_seen_at_the_till_links_it(client):
    existing = customer_with(phone="+84909908089")

    client.post("/account/signup/", {"phone": "84909908089", "password": "bánh-cuốn-2026"})

    existing.refresh_from_db()
    assert existing.user is not None
    assert Customer.objects.count() == 1


def test_login_page_accepts_the_phone_in_another_format(client):
    client.post("/account/signup/", {"phone": "0909908089", "password": "bánh-cuốn-2026"})
    client.logout()

    response = client.post(
        "/account/login/", {"username": "+84 909 908 089", "password": "bánh-cuốn-2026"}
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
