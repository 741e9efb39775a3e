"""The till's two lookups, one rule each: the cashier is an active staff account; the
store's POS channel is its active one."""

import pytest

from config.roles import CASHIER
from inventory.models import SalesChannel
from orders.exceptions import CashierNotAllowed
from orders.selectors import pos_cashier_get, pos_channel_get
from tests.factories import LocationFactory, StaffFactory, channel_selling_from, terminal_with_token

pytestmark = pytest.mark.django_db


def test_cashier_is_an_active_staff_member():
    # given
    terminal, _token = terminal_with_token()
    cashier = StaffFactory(role=CASHIER)

    # when
    found = pos_cashier_get(terminal=terminal, cashier_id=cashier.pk)

    # then
    assert found == cashier


@pytest.mark.parametrize(
    "account", [{"is_staff": False}, {"is_active": False}], ids=["not-staff", "inactive"]
)
def test_cashier_that_is_not_active_staff_is_refused_naming_the_field(account):
    # given
    terminal, _token = terminal_with_token()
    user = StaffFactory(**account)

    # when
    with pytest.raises(CashierNotAllowed) as refused:
        pos_cashier_get(terminal=terminal, cashier_id=user.pk)

    # then
    assert refused.value.fields == {"cashier_id": ["No active staff member has this id."]}


def test_unknown_cashier_id_is_refused():
    terminal, _token = terminal_with_token()

    with pytest.raises(CashierNotAllowed):
        pos_cashier_get(terminal=terminal, cashier_id=987654)


def test_shift_open_by_an_active_non_staff_account_is_refused_like_an_unknown_one(client):
    # given: an active account that is not staff
    terminal, token = terminal_with_token()
    user = StaffFactory(is_staff=False)

    # when
    response = client.post(
        "/api/v1/pos/shifts/",
        {
            "client_uuid": "5b0c1f0e-2a64-4f57-9d55-2a3d8e2c1a01",
            "cashier_id": user.pk,
            "opening_float_amount": "0",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "cashier_not_allowed"
    assert response.json()["fields"] == {"cashier_id": ["No active staff member has this id."]}
    assert not terminal.shifts.exists()


def test_channel_is_the_stores_active_pos_channel():
    # given: the store has an inactive POS channel, an active one, and a web channel
    store = LocationFactory()
    channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos-old", is_active=False)
    active = channel_selling_from(store, kind=SalesChannel.Kind.POS, code="pos-new")
    channel_selling_from(store, kind=SalesChannel.Kind.WEB)
    terminal, _token = terminal_with_token(location=store)

    # when
    channel = pos_channel_get(terminal=terminal)

    # then
    assert channel == active


def test_channel_is_none_when_the_store_has_no_active_pos_channel():
    store = LocationFactory()
    channel_selling_from(store, kind=SalesChannel.Kind.POS, is_active=False)
    terminal, _token = terminal_with_token(location=store)

    assert pos_channel_get(terminal=terminal) is None
