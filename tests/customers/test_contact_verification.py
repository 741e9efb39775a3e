"""Verified contacts: a login reaches a profile only through a contact it has proven
(DESIGN.md invariant 10)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from config.transports import TransientSendError, memory
from customers.exceptions import (
    CodeAttemptsExhausted,
    CodeExpired,
    CodeInvalid,
    CodeSendThrottled,
    ContactBelongsToAccount,
)
from customers.models import Customer, CustomerMerge, MergeSuggestion, OneTimeCode
from customers.selectors import loyalty_balance
from customers.services import (
    contact_verification_confirm,
    loyalty_earn,
    one_time_code_send,
    shopper_signup,
)
from customers.services.verification import MAX_SENDS_PER_CONTACT
from tests.factories import SalesChannelFactory, customer_with, order_minimal

pytestmark = pytest.mark.django_db

PASSWORD = "bánh-cuốn-2026"
PHONE = "+84909908089"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _last_code(channel: str = "sms") -> str:
    return re.search(r"\b(\d{6})\b", memory.sent_on(channel)[-1].body).group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def seen_at_the_till():
    """A profile the shop met without a login: a phone, 500 points and a POS order."""
    customer = customer_with(phone=PHONE, full_name="Chị Lan")
    order = order_minimal(channel=SalesChannelFactory(kind="pos"), customer=customer)
    loyalty_earn(customer=customer, points=500, reference="order:POS-1")
    return customer, order


# --- sign-up never reaches an existing profile by itself ---------------------------------


def test_signup_with_a_held_phone_creates_a_new_empty_profile_and_a_merge_suggestion(
    seen_at_the_till,
):
    # given
    existing, _order = seen_at_the_till

    # when
    fresh = shopper_signup(password=PASSWORD, phone="0909 908 089", full_name="Kẻ lạ")

    # then
    existing.refresh_from_db()
    assert fresh.pk != existing.pk
    assert existing.user is None
    assert fresh.user is not None
    assert list(fresh.contact_points.all()) == []
    assert list(fresh.orders.all()) == []
    assert loyalty_balance(customer=fresh) == 0
    assert list(existing.contact_points.values_list("value", "is_verified")) == [(PHONE, False)]
    suggestion = MergeSuggestion.objects.get()
    assert (suggestion.customer, suggestion.other, suggestion.status) == (existing, fresh, "open")


def test_signup_page_with_a_held_phone_sends_a_code_and_shows_the_same_page_as_a_free_one(
    client, seen_at_the_till
):
    # given
    _existing, order = seen_at_the_till

    # when
    held = client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    held_page = client.get(held["Location"])
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.8")
    free = other.post("/account/signup/", {"phone": "0912 345 678", "password": PASSWORD})
    free_page = other.get(free["Location"])

    # then: both land on the verify page, a code went to each phone, the words are the same
    assert held["Location"] == free["Location"] == "/account/verify/"
    assert [message.to for message in memory.sent_on("sms")] == [PHONE, "+84912345678"]
    assert all(message.purpose == "transactional" for message in memory.sent_on("sms"))
    held_text = held_page.content.decode().replace(PHONE, "X")
    free_text = free_page.content.decode().replace("+84912345678", "X")
    assert "We sent a code to X." in held_text
    assert _without_tokens(held_text) == _without_tokens(free_text)
    # and the account page shows nothing of the held profile
    account = client.get("/account/").content.decode()
    assert order.number not in account and "500" not in account


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_code_is_stored_hashed_and_the_message_holds_it(seen_at_the_till):
    # given
    fresh = shopper_signup(password=PASSWORD, phone=PHONE)

    # when
    with time_machine.travel(timezone.now(), tick=False):
        row = one_time_code_send(
            customer=fresh, purpose="contact", kind="phone", value="0909908089"
        )

    # then
    code = _last_code()
    assert row.value == PHONE
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert memory.sent_on("sms")[-1].to == PHONE


# --- the right code ----------------------------------------------------------------------


def test_the_right_code_joins_the_login_to_the_held_profile_with_every_channels_orders(
    client, seen_at_the_till
):
    # given
    existing, order = seen_at_the_till
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    user = get_user_model().objects.get()
    fresh = Customer.objects.get(user=user)

    # when
    response = client.post("/account/verify/", {"kind": "phone", "code": _last_code()})

    # then
    assert response.status_code == 302 and response["Location"] == "/account/"
    existing.refresh_from_db()
    fresh.refresh_from_db()
    assert existing.user == user
    assert fresh.merged_into == existing and fresh.user is None
    assert existing.contact_points.get(kind="phone").is_verified is True
    assert MergeSuggestion.objects.get().status == "merged"
    merge = CustomerMerge.objects.get()
    assert (merge.target, merge.source, merge.merged_by) == (existing, fresh, None)
    assert OneTimeCode.objects.get().confirmed_at is not None
    history = client.get("/account/orders/")
    assert order.number in history.content.decode()
    assert loyalty_balance(customer=existing) == 500


def test_the_right_code_on_a_free_phone_marks_it_verified(client):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    customer = Customer.objects.get()

    # when
    client.post("/account/verify/", {"kind": "phone", "code": _last_code()})

    # then
    assert list(customer.contact_points.values_list("value", "is_verified")) == [(PHONE, True)]
    assert not CustomerMerge.objects.exists()


def test_a_held_profile_with_its_own_login_is_never_taken_over(seen_at_the_till):
    # given: the claimant got its code, then the holder signed up some other way
    existing, _order = seen_at_the_till
    fresh = shopper_signup(password=PASSWORD, phone=PHONE)
    one_time_code_send(customer=fresh, purpose="contact", kind="phone", value=PHONE)
    owner = get_user_model().objects.create_user("owner-login", password=PASSWORD)
    Customer.objects.filter(pk=existing.pk).update(user=owner)

    # when
    with pytest.raises(ContactBelongsToAccount):
        contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=_last_code())

    # then
    existing.refresh_from_db()
    fresh.refresh_from_db()
    assert existing.user == owner and fresh.merged_into is None
    assert not CustomerMerge.objects.exists()
    assert OneTimeCode.objects.get().confirmed_at is None


# --- wrong, expired, exhausted -------------------------------------------------------------


def _signed_up_claimant():
    fresh = shopper_signup(password=PASSWORD, phone=PHONE)
    one_time_code_send(customer=fresh, purpose="contact", kind="phone", value=PHONE)
    return fresh, _last_code()


def _nothing_attached(existing, fresh):
    existing.refresh_from_db()
    fresh.refresh_from_db()
    assert existing.user is None
    assert fresh.merged_into is None
    assert not CustomerMerge.objects.exists()
    assert existing.contact_points.get(kind="phone").is_verified is False
    assert MergeSuggestion.objects.get().status == "open"


def test_a_wrong_code_is_refused_on_the_form_and_counted(client, seen_at_the_till):
    # given
    existing, _order = seen_at_the_till
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    fresh = Customer.objects.get(user__isnull=False)

    # when
    response = client.post("/account/verify/", {"kind": "phone", "code": _wrong(_last_code())})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "This code is not right. Check the last message we sent and try again."
    ]
    assert OneTimeCode.objects.get().attempt_count == 1
    _nothing_attached(existing, fresh)


def test_an_expired_code_is_refused(seen_at_the_till):
    # given
    existing, _order = seen_at_the_till
    fresh, code = _signed_up_claimant()

    # when
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    with time_machine.travel(later), pytest.raises(CodeExpired) as refused:
        contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=code)

    # then
    assert refused.value.fields == {"code": ["This code has expired. Ask for a new one."]}
    _nothing_attached(existing, fresh)


def test_the_sixth_try_is_refused_even_with_the_right_code(seen_at_the_till):
    # given: five wrong tries
    existing, _order = seen_at_the_till
    fresh, code = _signed_up_claimant()
    for _ in range(5):
        with pytest.raises(CodeInvalid):
            contact_verification_confirm(
                customer=fresh, kind="phone", value=PHONE, code=_wrong(code)
            )

    # when
    with pytest.raises(CodeAttemptsExhausted) as refused:
        contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=code)

    # then
    assert refused.value.fields == {"code": ["Too many wrong codes. Ask for a new one."]}
    assert OneTimeCode.objects.get().attempt_count == 5
    _nothing_attached(existing, fresh)


def test_the_sixth_try_on_the_page_shows_why(client, seen_at_the_till):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    code = _last_code()
    for _ in range(5):
        client.post("/account/verify/", {"kind": "phone", "code": _wrong(code)})

    # when
    response = client.post("/account/verify/", {"kind": "phone", "code": code})

    # then
    assert response.context["form"].errors["code"] == ["Too many wrong codes. Ask for a new one."]
    assert Customer.objects.get(pk=seen_at_the_till[0].pk).user is None


def test_an_older_code_stops_counting_once_a_new_one_is_sent(seen_at_the_till):
    # given
    existing, _order = seen_at_the_till
    fresh, old = _signed_up_claimant()
    one_time_code_send(customer=fresh, purpose="contact", kind="phone", value=PHONE)
    new = _last_code()
    if new == old:  # one in a million: the same digits twice
        pytest.skip("the two random codes happen to be equal")

    # when
    with pytest.raises(CodeInvalid):
        contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=old)
    joined = contact_verification_confirm(customer=fresh, kind="phone", value=PHONE, code=new)

    # then
    assert joined == existing


# --- resend ------------------------------------------------------------------------------


def test_resend_sends_a_new_code_to_the_typed_contact(client, seen_at_the_till):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})

    # when
    response = client.post("/account/verify/", {"kind": "phone", "resend": "1"})

    # then
    assert response.status_code == 302
    assert [message.to for message in memory.sent_on("sms")] == [PHONE, PHONE]
    assert OneTimeCode.objects.count() == 2


def test_sends_are_throttled_per_contact_whoever_asks(seen_at_the_till):
    # given
    fresh = shopper_signup(password=PASSWORD, phone=PHONE)
    for number in range(MAX_SENDS_PER_CONTACT):
        one_time_code_send(
            customer=fresh,
            purpose="contact",
            kind="phone",
            value=PHONE,
            ip_address=f"10.0.0.{number}",
        )

    # when
    with pytest.raises(CodeSendThrottled):
        one_time_code_send(
            customer=fresh, purpose="contact", kind="phone", value=PHONE, ip_address="10.9.9.9"
        )

    # then
    assert OneTimeCode.objects.count() == MAX_SENDS_PER_CONTACT
    assert len(memory.sent_on("sms")) == MAX_SENDS_PER_CONTACT


def test_sends_are_throttled_per_address(seen_at_the_till):
    # given
    from customers.services.verification import MAX_SENDS_PER_ADDRESS

    fresh = shopper_signup(password=PASSWORD, email="lan@example.vn")
    for number in range(MAX_SENDS_PER_ADDRESS):
        one_time_code_send(
            customer=fresh,
            purpose="contact",
            kind="phone",
            value=f"+8491234{number:04d}",
            ip_address="10.0.0.1",
        )

    # when
    with pytest.raises(CodeSendThrottled):
        one_time_code_send(
            customer=fresh,
            purpose="contact",
            kind="phone",
            value="+84987654321",
            ip_address="10.0.0.1",
        )

    # then
    assert OneTimeCode.objects.count() == MAX_SENDS_PER_ADDRESS


def test_the_verify_page_cannot_send_codes_to_a_contact_the_login_never_gave(client):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})

    # when: a forged kind the login has no claim on
    client.post("/account/verify/", {"kind": "email", "resend": "1"})

    # then: the code went to the phone the login gave, nowhere else
    assert memory.sent_on("email") == []
    assert [message.to for message in memory.sent_on("sms")] == [PHONE, PHONE]


def test_an_email_gets_its_code_by_email(client):
    # when
    client.post("/account/signup/", {"email": "Lan@Example.vn", "password": PASSWORD})

    # then
    (message,) = memory.sent_on("email")
    assert message.to == "lan@example.vn"
    assert "Your Tiệm code" in message.subject


def test_a_phone_gets_its_code_by_zalo_when_configured(settings):
    # given
    settings.ONE_TIME_CODE_PHONE_CHANNEL = "zalo"
    settings.ONE_TIME_CODE_ZALO_TEMPLATE_ID = "otp-1"
    fresh = shopper_signup(password=PASSWORD, phone=PHONE)

    # when
    one_time_code_send(customer=fresh, purpose="contact", kind="phone", value=PHONE)

    # then
    (message,) = memory.sent_on("zalo")
    assert (message.to, message.template_id) == (PHONE, "otp-1")
    assert re.fullmatch(r"\d{6}", message.template_data["otp"])
    assert memory.sent_on("sms") == []


# --- logging in before the code ----------------------------------------------------------


def test_a_claimant_logs_in_with_the_phone_to_its_own_empty_profile_only(client, seen_at_the_till):
    # given
    existing, order = seen_at_the_till
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    client.logout()

    # when
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response.status_code == 302
    fresh = Customer.objects.get(user__isnull=False)
    assert client.session["_auth_user_id"] == str(fresh.user_id)
    assert fresh.pk != existing.pk
    assert order.number not in client.get("/account/orders/").content.decode()


def test_the_verify_page_speaks_vietnamese():
    # given
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})

    # when
    page = client.get("/account/verify/").content.decode()
    wrong = client.post("/account/verify/", {"kind": "phone", "code": _wrong(_last_code())})

    # then
    assert "Xác minh số điện thoại" in page
    assert f"Chúng tôi đã gửi mã đến {PHONE}." in page
    assert "Mã này chưa đúng." in wrong.content.decode()
    assert "là mã xác minh Tiệm của bạn" in memory.sent_on("sms")[-1].body


def test_a_send_that_fails_at_sign_up_is_said_and_can_be_asked_again(client):
    # given: the SMS gateway is down for the first send
    memory.fail_next("sms", TransientSendError("gateway timeout"))

    # when
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    page = client.get("/account/verify/")
    client.post("/account/verify/", {"kind": "phone", "resend": "1"})

    # then
    assert [str(message) for message in page.context["messages"]] == [
        f"We could not send a code to {PHONE} yet: ask for a new one."
    ]
    assert [message.to for message in memory.sent_on("sms")] == [PHONE]
    client.post("/account/verify/", {"kind": "phone", "code": _last_code()})
    assert Customer.objects.get().contact_points.get().is_verified is True


def test_logging_in_with_a_detail_still_waiting_for_its_code_leads_to_the_verify_page(client):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    client.logout()

    # when
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response["Location"] == "/account/verify/"
    page = client.get("/account/verify/").content.decode()
    assert f"We sent a code to {PHONE}." in page


def test_a_verified_login_goes_to_the_account_as_before(client):
    # given
    client.post("/account/signup/", {"phone": "0909 908 089", "password": PASSWORD})
    client.post("/account/verify/", {"kind": "phone", "code": _last_code()})
    client.logout()

    # when
    response = client.post("/account/login/", {"username": "0909908089", "password": PASSWORD})

    # then
    assert response["Location"] == "/account/"
    assert client.get("/account/verify/")["Location"] == "/account/"
