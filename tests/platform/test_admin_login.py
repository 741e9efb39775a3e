"""The staff admin's log-in is throttled like the shoppers' (issue 11)."""

import pytest
from django.contrib.auth import SESSION_KEY

from config.roles import STORE_MANAGER
from customers import login_throttle
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"


def _log_in(client, username, password, ip="203.0.113.7"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, follow=False
    )


def _errors(response):
    return [error.code for error in response.context["form"].non_field_errors().as_data()]


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client):
    # given
    StaffFactory(username="quanly", role=STORE_MANAGER)
    for _attempt in range(login_throttle.MAX_FAILURES):
        assert _errors(_log_in(client, "quanly", "wrong")) == ["invalid_login"]

    # when
    refused = _log_in(client, "quanly", PASSWORD)
    other_address = _log_in(client, "quanly", PASSWORD, ip="198.51.100.9")

    # then: the pair (username, address) is blocked, not the account everywhere
    assert _errors(refused) == ["throttled"]
    assert other_address.status_code == 302
    assert client.session[SESSION_KEY] == str(StaffFactory._meta.model.objects.get().pk)


def test_one_address_failing_over_many_usernames_is_refused(client, monkeypatch):
    # given: credential stuffing from one address
    monkeypatch.setattr(login_throttle, "MAX_FAILURES_PER_ADDRESS", 3)
    StaffFactory(username="thungan")
    for name in ("a", "b", "c"):
        _log_in(client, name, "wrong")

    # when
    refused = _log_in(client, "thungan", PASSWORD)

    # then
    assert _errors(refused) == ["throttled"]
    assert SESSION_KEY not in client.session


def test_a_shopper_account_counts_as_a_failure_at_the_staff_door(client):
    # given: a valid, non-staff account
    StaffFactory(username="khach", is_staff=False)
    for _attempt in range(login_throttle.MAX_FAILURES):
        assert _errors(_log_in(client, "khach", PASSWORD)) == ["invalid_login"]

    # when
    refused = _log_in(client, "khach", PASSWORD)

    # then
    assert _errors(refused) == ["throttled"]
