"""Customer data at the till: found by phone or email, never by walking ids; contacts
masked; look-ups audited and rate-limited; points spent only with the shopper's code."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from config.transports import memory
from customers.models import LoyaltyEntry, OneTimeCode
from customers.selectors import loyalty_balance
from customers.services import loyalty_earn
from orders.api.throttling import PosLookupRateThrottle
from orders.models import CustomerLookup, Order
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/pos/customers/lookup/"
PHONE = "+84909908089"


def _api(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def store():
    location = LocationFactory(code="hn-hang-giay")
    channel_selling_from(location, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=location)
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, location, 5)
    return terminal, _api(token), location, jar


@pytest.fixture
def shopper():
    customer = customer_with(phone=PHONE, email="toan@example.vn", full_name="Anh Toản")
    loyalty_earn(customer=customer, points=500, reference="order:WEB-1")
    return customer


def _summary(api, customer_id):
    return api.get(f"/api/v1/pos/customers/{customer_id}/")


# --- reaching a profile ------------------------------------------------------------------


def test_a_summary_answers_only_after_this_terminal_found_the_customer(store, shopper):
    # given
    _terminal, api, location, _jar = store
    _other_till, other_token = terminal_with_token(location=location, name="Quầy 2")

    # when
    before = _summary(api, shopper.pk)
    found = api.get(LOOKUP, {"phone": "0909 908 089"})
    after = _summary(api, shopper.pk)
    next_till = _summary(_api(other_token), shopper.pk)

    # then
    assert before.status_code == 404 and before.json()["code"] == "customer_not_found"
    assert found.status_code == 200
    assert after.status_code == 200 and after.json()["id"] == shopper.pk
    assert next_till.status_code == 404  # the till next to it did not look


def test_the_pass_expires_after_the_configured_minutes(store, shopper, settings):
    # given
    settings.POS_CUSTOMER_ACCESS_MINUTES = 30
    _terminal, api, *_ = store
    api.get(LOOKUP, {"phone": PHONE})

    # when
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        late = _summary(api, shopper.pk)

    # then
    assert late.status_code == 404


def test_another_stores_terminal_gets_a_404_for_the_same_id(store, shopper):
    # given
    _terminal, api, *_ = store
    api.get(LOOKUP, {"phone": PHONE})
    elsewhere = LocationFactory(code="hcm-q1")
    channel_selling_from(elsewhere, kind="pos", code="pos-q1")
    _other, other_token = terminal_with_token(location=elsewhere)

    # when
    response = _summary(_api(other_token), shopper.pk)

    # then
    assert response.status_code == 404


def test_registering_at_the_till_opens_the_profile_like_a_lookup(store, shopper):
    # given
    terminal, api, *_ = store

    # when
    registered = api.post("/api/v1/pos/customers/", {"phone": "0909908089"}, format="json")
    summary = _summary(api, shopper.pk)

    # then
    assert registered.status_code == 200
    assert summary.status_code == 200
    lookup = CustomerLookup.objects.get()
    assert (lookup.terminal, lookup.query_kind, lookup.customer) == (terminal, "phone", shopper)


def test_a_missing_token_is_401(client, shopper):
    assert client.get(f"/api/v1/pos/customers/{shopper.pk}/").status_code == 401
    assert client.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/").status_code == 401


# --- audit, masking, rate ---------------------------------------------------------------


def test_every_lookup_is_audited_found_or_not(store, shopper):
    # given
    terminal, api, *_ = store
    cashier = StaffFactory(role="cashier")

    # when
    api.get(LOOKUP, {"phone": PHONE, "cashier_id": cashier.pk})
    api.get(LOOKUP, {"email": "nobody@example.vn"})

    # then
    rows = list(
        CustomerLookup.objects.order_by("id").values_list(
            "terminal", "cashier", "query_kind", "customer"
        )
    )
    assert rows == [
        (terminal.pk, cashier.pk, "phone", shopper.pk),
        (terminal.pk, None, "email", None),
    ]
    assert all(row.looked_up_at for row in CustomerLookup.objects.all())


def test_the_lookup_and_the_summary_mask_contacts(store, shopper):
    # given
    _terminal, api, *_ = store

    # when
    found = api.get(LOOKUP, {"phone": PHONE}).json()
    summary = _summary(api, shopper.pk).json()

    # then
    masked = [
        {"kind": "email", "value": "t***@example.vn", "is_verified": False},
        {"kind": "phone", "value": "090****089", "is_verified": False},
    ]
    assert found["contacts"] == masked
    assert summary["contacts"] == masked
    assert "908" not in str(summary["contacts"]) and "toan@" not in str(summary)


def test_lookups_have_their_own_lower_rate(store, shopper):
    # given
    _terminal, api, *_ = store
    rates = {**PosLookupRateThrottle.THROTTLE_RATES, "pos_lookup": "2/minute"}

    # when
    with mock.patch.object(PosLookupRateThrottle, "THROTTLE_RATES", rates):
        answers = [api.get(LOOKUP, {"phone": PHONE}).status_code for _ in range(3)]
        other_endpoint = api.get("/api/v1/pos/terminal/")

    # then
    assert answers == [200, 200, 429]
    assert other_endpoint.status_code == 200
    assert CustomerLookup.objects.count() == 2


# --- points need the shopper's code ------------------------------------------------------


def _code() -> str:
    return re.search(r"\b(\d{6})\b", memory.sent_on("sms")[-1].body).group(1)


def _sale(customer, *, points=100, **extra):
    # 85,000 đ jar; 100 points at the default 1 point = 100 đ (10,000 đ) leaves 75,000 đ.
    return {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"sku": "MK-100G", "quantity": 1}],
        "payments": [{"method": "cash", "amount": "75000"}],
        "customer_id": customer.pk,
        "points": points,
        **extra,
    }


def test_the_points_code_goes_to_the_customers_phone(store, shopper):
    # given
    _terminal, api, *_ = store
    api.get(LOOKUP, {"phone": PHONE})

    # when
    response = api.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/")

    # then
    assert response.status_code == 202
    body = response.json()
    assert (body["channel"], body["sent_to"]) == ("phone", "090****089")
    (message,) = memory.sent_on("sms")
    assert message.to == PHONE and "thanh toán bằng điểm" in message.body  # her language
    assert OneTimeCode.objects.get().purpose == "points"


def test_the_points_code_needs_a_recent_lookup(store, shopper):
    _terminal, api, *_ = store

    response = api.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/")

    assert response.status_code == 404
    assert memory.sent_on("sms") == []
    assert not OneTimeCode.objects.exists()


def _nothing_sold(shopper, jar, location):
    assert not Order.objects.exists()
    assert not LoyaltyEntry.objects.filter(kind="redeem").exists()
    assert loyalty_balance(customer=shopper) == 500
    assert jar.stock_levels.get(location=location).on_hand == 5


def test_a_sale_with_points_and_no_code_is_refused_naming_the_field(store, shopper):
    # given
    _terminal, api, location, jar = store

    # when
    response = api.post("/api/v1/pos/sales/", _sale(shopper), format="json")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "points_code_required"
    assert list(body["fields"]) == ["points_code"]
    _nothing_sold(shopper, jar, location)


def test_a_sale_with_a_wrong_code_is_refused_and_the_try_counted(store, shopper):
    # given
    _terminal, api, location, jar = store
    api.get(LOOKUP, {"phone": PHONE})
    api.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/")
    wrong = f"{(int(_code()) + 1) % 1_000_000:06d}"

    # when
    response = api.post("/api/v1/pos/sales/", _sale(shopper, points_code=wrong), format="json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert list(response.json()["fields"]) == ["points_code"]
    assert OneTimeCode.objects.get().attempt_count == 1
    _nothing_sold(shopper, jar, location)


def test_the_right_code_spends_the_points_once_and_a_replay_needs_nothing_more(store, shopper):
    # given
    _terminal, api, _location, _jar = store
    api.get(LOOKUP, {"phone": PHONE})
    api.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/")
    body = _sale(shopper, points_code=_code())

    # when
    first = api.post("/api/v1/pos/sales/", body, format="json")
    replay = api.post("/api/v1/pos/sales/", body, format="json")
    again = api.post(
        "/api/v1/pos/sales/", {**body, "client_uuid": str(uuid.uuid4())}, format="json"
    )

    # then
    assert first.status_code == 201, first.json()
    assert first.json()["points_redeemed"] == 100
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert again.status_code == 400 and again.json()["code"] == "code_missing"
    assert list(again.json()["fields"]) == ["points_code"]
    assert Order.objects.count() == 1
    assert loyalty_balance(customer=shopper) == 500 - 100 + 7  # 75,000 đ paid earns 7
    assert OneTimeCode.objects.get().confirmed_at is not None


def test_a_sale_refused_for_another_reason_leaves_the_code_usable(store, shopper):
    # given
    _terminal, api, _location, _jar = store
    api.get(LOOKUP, {"phone": PHONE})
    api.post(f"/api/v1/pos/customers/{shopper.pk}/points-code/")
    code = _code()
    short = _sale(shopper, points_code=code)
    short["payments"] = [{"method": "cash", "amount": "1000"}]

    # when
    refused = api.post("/api/v1/pos/sales/", short, format="json")
    accepted = api.post("/api/v1/pos/sales/", _sale(shopper, points_code=code), format="json")

    # then
    assert refused.status_code == 400
    assert accepted.status_code == 201, accepted.json()
    assert loyalty_balance(customer=shopper) == 500 - 100 + 7  # 75,000 đ paid earns 7


def test_a_sale_without_points_needs_no_code(store, shopper):
    _terminal, api, *_ = store

    response = api.post(
        "/api/v1/pos/sales/",
        _sale(shopper, points=0) | {"payments": [{"method": "cash", "amount": "85000"}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
