"""Bad input at the API's edge is a 4xx in the API's error shape, never a 500 or HTML.

Each test here was a defect found by poking the API from outside (issue 17)."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.test import override_settings
from rest_framework.test import APIClient

from config.roles import CASHIER
from config.views import bad_request
from customers.models import Customer
from tests.factories import (
    LocationFactory,
    StaffFactory,
    channel_selling_from,
    terminal_with_token,
)


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == code
    assert body["detail"].strip()
    return body


@pytest.fixture
def till():
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(location, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_json_body_is_a_400(till, depth):
    # given: a 2 KB body nested a thousand deep (and one nested far deeper)
    body = '{"full_name": ' + "[" * depth + "]" * depth + "}"

    # when
    response = till.post("/api/v1/pos/customers/", body, content_type="application/json")

    # then: refused as unreadable, nothing written
    body = assert_error_shape(response, 400, "parse_error")
    assert "deep" in body["detail"]
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_nesting_within_the_limit_still_parses(till, settings):
    # given: a sale body nests four levels (body, lines, a line, its fields); the limit is 4
    settings.API_JSON_MAX_DEPTH = 4
    body = {"phone": "0909908089", "consents": [{"channel": "sms", "purpose": "marketing",
                                                 "granted": True, "wording_version": "x"}]}

    # when
    response = till.post("/api/v1/pos/customers/", json.dumps(body),
                         content_type="application/json")

    # then
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_brackets_inside_strings_do_not_count_as_nesting(till):
    # given: a name made of brackets
    body = {"full_name": "[" * 150 + "{" * 50, "phone": "0909908089"}

    # when
    response = till.post("/api/v1/pos/customers/", json.dumps(body),
                         content_type="application/json")

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["full_name"] == "[" * 150 + "{" * 50


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["\xff\xfe abc", "B\xe9arer tpos_x", "\xc3"])
def test_an_authorization_header_that_is_not_utf8_is_a_401(client, header):
    # when: the header's bytes (latin-1 in WSGI) are not UTF-8
    response = client.get("/api/v1/pos/terminal/", HTTP_AUTHORIZATION=header)

    # then
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_a_bearer_token_that_is_not_utf8_is_a_401(client):
    response = client.get("/api/v1/pos/terminal/", HTTP_AUTHORIZATION="Bearer tpos_\xff\xfe")

    assert_error_shape(response, 401, "authentication_failed")


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_over_the_upload_limit_is_a_413(till):
    # given: a body of 1,001 bytes against a limit of 1,000
    body = json.dumps({"phone": "0909908089", "full_name": "x"})
    body = body[:-1] + " " * (1001 - len(body)) + "}"
    assert len(body.encode()) == 1001

    # when
    response = till.post("/api/v1/pos/customers/", body, content_type="application/json")

    # then
    assert_error_shape(response, 413, "payload_too_large")
    assert not Customer.objects.exists()


@pytest.mark.django_db
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_at_the_upload_limit_is_accepted(till):
    body = json.dumps({"phone": "0909908089", "full_name": "x"})
    body = body[:-1] + " " * (1000 - len(body)) + "}"

    response = till.post("/api/v1/pos/customers/", body, content_type="application/json")

    assert response.status_code == 201, response.json()


def test_django_s_own_400_under_the_api_is_json_and_too_big_is_a_413(rf):
    # given: what Django raises when something reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    request = rf.post("/api/v1/pos/sales/")

    # when
    too_big = bad_request(request, RequestDataTooBig("Request body exceeded settings."))
    other = bad_request(request, SuspiciousOperation("odd"))
    page = bad_request(rf.post("/cart/"), SuspiciousOperation("odd"))

    # then
    assert_error_shape(too_big, 413, "payload_too_large")
    assert_error_shape(other, 400, "bad_request")
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_form_body_is_a_415(till):
    response = till.post(
        "/api/v1/pos/customers/",
        "phone=0909908089",
        content_type="application/x-www-form-urlencoded",
    )

    assert_error_shape(response, 415, "unsupported_media_type")
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_an_anonymous_caller_of_a_staff_endpoint_gets_a_401_with_a_challenge(client):
    response = client.get("/api/v1/locations/")

    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Session ")


@pytest.mark.django_db
@pytest.mark.parametrize("error", [OperationalError("deadlock detected"), InterfaceError("closed")])
def test_a_database_that_fails_is_a_retryable_503(till, monkeypatch, error):
    # given: the database fails as the request is served
    def fail(**kwargs):
        raise error

    monkeypatch.setattr("orders.api.authentication.terminal_by_token", fail)

    # when
    response = till.get("/api/v1/pos/terminal/")

    # then
    assert_error_shape(response, 503, "service_unavailable")
    assert response["Retry-After"] == "1"


@pytest.mark.django_db
@pytest.mark.parametrize("page_size", ["null", "0", "201", "-1", "1.5", "٣"])
def test_a_page_size_out_of_1_to_200_is_a_400(client, page_size):
    # given: a cashier (who may view locations)
    client.force_login(StaffFactory(role=CASHIER))

    # when
    response = client.get("/api/v1/locations/", {"page_size": page_size})

    # then: not silently the default page size
    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["page_size"]


@pytest.mark.django_db
def test_a_page_size_in_range_is_used(client):
    client.force_login(StaffFactory(role=CASHIER))
    LocationFactory.create_batch(3)

    response = client.get("/api/v1/locations/", {"page_size": "2"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("value", "status"), [("null", 400), ("yes", 400), ("true", 200)])
def test_a_boolean_filter_takes_true_or_false_only(client, value, status):
    # given
    client.force_login(StaffFactory(role=CASHIER))
    store = LocationFactory(accepts_pickup=True)
    LocationFactory(accepts_pickup=False)

    # when
    response = client.get("/api/v1/locations/", {"accepts_pickup": value})

    # then: an unknown value is refused, not read as "no filter"
    assert response.status_code == status
    if status == 200:
        assert [row["id"] for row in response.json()["results"]] == [store.pk]
    else:
        assert list(response.json()["fields"]) == ["accepts_pickup"]


@pytest.mark.django_db
def test_a_nul_byte_in_the_returnable_order_number_is_a_400(till):
    # PostgreSQL refuses NUL in text: sent on to the database it was a 500 (Schemathesis)
    response = till.get("/api/v1/pos/returns/order/", {"number": "WEB-\x00001"})

    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["number"]


@pytest.mark.django_db
def test_a_nul_byte_in_the_location_code_of_a_product_search_is_a_400(client):
    client.force_login(StaffFactory(role=CASHIER))

    response = client.get("/api/v1/products/", {"location": "HG\x00"})

    body = assert_error_shape(response, 400, "invalid")
    assert list(body["fields"]) == ["location"]
