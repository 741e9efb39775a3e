"""Every API error has one shape: {"code", "detail", "fields"}."""

import pytest

from config.roles import CASHIER
from tests.factories import LocationFactory, StaffFactory


def assert_error_shape(body, code):
    assert set(body) == {"code", "detail", "fields"}
    assert body["code"] == code
    assert body["detail"].strip()


@pytest.mark.django_db
def test_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert_error_shape(response.json(), "not_found")


@pytest.mark.django_db
def test_invalid_filter_is_a_400_naming_the_field(client):
    # given: a cashier (who may view locations)
    client.force_login(StaffFactory(role=CASHIER))

    # when
    response = client.get("/api/v1/locations/", {"kind": "castle"})

    # then
    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, "invalid")
    assert list(body["fields"]) == ["kind"]
    assert "castle" in body["fields"]["kind"][0]


@pytest.mark.django_db
def test_staff_without_the_permission_gets_a_403(client):
    # given: a staff account in no role
    client.force_login(StaffFactory())

    # when
    response = client.get("/api/v1/locations/")

    # then
    assert response.status_code == 403
    assert_error_shape(response.json(), "permission_denied")


@pytest.mark.django_db
def test_anonymous_caller_is_told_to_log_in(client):
    response = client.get("/api/v1/locations/")

    assert response.status_code == 401
    assert_error_shape(response.json(), "not_authenticated")
    assert response["WWW-Authenticate"] == 'Session realm="api"'


@pytest.mark.django_db
def test_staff_with_the_permission_lists_active_locations(client, django_assert_max_num_queries):
    # given
    store = LocationFactory(name="Showroom Hàng Giấy")
    LocationFactory(name="Closed store", is_active=False)
    client.force_login(StaffFactory(role=CASHIER))

    # when
    response = client.get("/api/v1/locations/", {"kind": "store"})

    # then
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == [store.code]
