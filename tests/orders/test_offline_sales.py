"""Offline POS sales: recorded because they happened, never trusted blindly."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import LoyaltyEntry
from customers.selectors import loyalty_balance
from inventory.models import StockLevel, StockMovement
from orders.models import Order, PriceDiscrepancy, Shift
from orders.services.offline import price_discrepancy_resolve
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.fixture
def till():
    showroom = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=showroom)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    beef = VariantFactory(sku="TT-2KG", price_amount=Decimal(2_000_000))
    stocked(beef, showroom, 3)
    return api, terminal, showroom, beef


def shift_at(terminal, opened_at, closed_at=None):
    return Shift.objects.create(
        terminal=terminal, cashier=StaffFactory(role="cashier"), client_uuid=uuid.uuid4(),
        currency="VND", opened_at=opened_at, closed_at=closed_at,
        **({"expected_amount": 0, "counted_amount": 0} if closed_at else {}),
    )  # fmt: skip


def offline_sale(api, *, placed_at, price="2000000", sku="TT-2KG", **extra):
    return api.post(
        "/api/v1/pos/sales/",
        {"client_uuid": str(uuid.uuid4()), "offline": True, "placed_at": placed_at.isoformat(),
         "lines": [{"sku": sku, "quantity": 1, "unit_price_amount": price}],
         "payments": [{"method": "cash", "amount": price}], **extra},
        format="json",
    )  # fmt: skip


def assert_nothing_written(showroom, beef):
    assert not Order.objects.exists()
    assert not StockMovement.objects.filter(kind__in=["sale", "offline_sale"]).exists()
    assert StockLevel.objects.get(variant=beef, location=showroom).on_hand == 3
    assert not PriceDiscrepancy.objects.exists()
    assert not LoyaltyEntry.objects.exists()


@pytest.mark.django_db
def test_a_sale_placed_in_the_future_is_refused(till):
    api, _terminal, showroom, beef = till

    response = offline_sale(api, placed_at=timezone.now() + timedelta(hours=2))

    # refused by the input's bounds before any rule of the till is asked
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["placed_at"]
    assert_nothing_written(showroom, beef)


@pytest.mark.django_db
def test_a_few_minutes_of_clock_skew_are_allowed(till):
    api, _terminal, _showroom, _beef = till

    response = offline_sale(api, placed_at=timezone.now() + timedelta(minutes=2))

    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_a_sale_before_the_open_shift_began_and_in_no_shift_is_refused(till):
    api, terminal, showroom, beef = till
    shift_at(terminal, timezone.now() - timedelta(hours=1))

    response = offline_sale(api, placed_at=timezone.now() - timedelta(hours=3))

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "placed_at": ["Must lie inside one of this till's shifts."]
    }
    assert_nothing_written(showroom, beef)


@pytest.mark.django_db
def test_a_sale_inside_an_earlier_closed_shift_is_recorded(till):
    api, terminal, _showroom, _beef = till
    now = timezone.now()
    shift_at(terminal, now - timedelta(hours=30), closed_at=now - timedelta(hours=22))
    shift_at(terminal, now - timedelta(hours=1))

    response = offline_sale(api, placed_at=now - timedelta(hours=26))

    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_with_no_shift_a_sale_older_than_72_hours_is_refused(till):
    api, _terminal, showroom, beef = till

    too_old = offline_sale(api, placed_at=timezone.now() - timedelta(hours=73))

    assert too_old.status_code == 400
    assert too_old.json()["fields"] == {"placed_at": ["Too old."]}
    assert_nothing_written(showroom, beef)
    recent = offline_sale(api, placed_at=timezone.now() - timedelta(hours=10))
    assert recent.status_code == 201
    assert recent.json()["late_sync"] is True


@pytest.mark.django_db
def test_a_cheaper_offline_price_is_kept_flagged_and_earns_no_points_until_resolved(till):
    api, _terminal, showroom, beef = till
    customer = CustomerFactory()

    # when: the till says it sold the 2,000,000 đ beef for 1,500,000 đ
    response = offline_sale(
        api, placed_at=timezone.now() - timedelta(minutes=30), price="1500000",
        customer_id=customer.pk,
    )  # fmt: skip

    # then: the sale stands as charged, the manager has a discrepancy, no points yet
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.total_amount == Decimal(1_500_000)
    assert StockLevel.objects.get(variant=beef, location=showroom).on_hand == 2
    discrepancy = PriceDiscrepancy.objects.get()
    assert (discrepancy.order, discrepancy.sku, discrepancy.reason) == (order, "TT-2KG", "price")
    assert (discrepancy.charged_amount, discrepancy.catalog_amount) == (
        Decimal(1_500_000), Decimal(2_000_000)
    )  # fmt: skip
    assert loyalty_balance(customer=customer) == 0

    # when: the manager resolves it (twice: a double click)
    manager = StaffFactory(role="store_manager")
    price_discrepancy_resolve(discrepancy=discrepancy, actor=manager)
    price_discrepancy_resolve(discrepancy=discrepancy, actor=manager)

    # then: the points of what was paid, once
    discrepancy.refresh_from_db()
    assert discrepancy.resolved_by == manager
    assert loyalty_balance(customer=customer) == 150


@pytest.mark.django_db
def test_an_offline_sale_at_the_catalog_price_earns_its_points_at_once(till):
    api, _terminal, _showroom, _beef = till
    customer = CustomerFactory()

    response = offline_sale(
        api, placed_at=timezone.now() - timedelta(minutes=5), customer_id=customer.pk
    )

    assert response.status_code == 201
    assert not PriceDiscrepancy.objects.exists()
    assert loyalty_balance(customer=customer) == 200


@pytest.mark.django_db
def test_an_offline_sale_of_a_product_no_longer_sold_is_flagged(till):
    api, _terminal, _showroom, _beef = till
    old = VariantFactory(sku="OLD-1", price_amount=Decimal(50000), is_active=False)

    response = offline_sale(
        api, placed_at=timezone.now() - timedelta(minutes=5), sku="OLD-1", price="50000"
    )

    assert response.status_code == 201, response.json()
    assert list(PriceDiscrepancy.objects.values_list("sku", "reason")) == [("OLD-1", "inactive")]
    assert old.sku == "OLD-1"
