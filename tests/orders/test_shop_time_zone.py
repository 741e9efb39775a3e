"""Times on the shopper's pages are in the shop's zone, read from settings.SHOP_TIME_ZONE
(whatever zone the server runs in)."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from config.roles import CASHIER
from orders.services import pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from orders.views import order_status_url
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Asia/Ho_Chi_Minh", "02/01/2026 10:04"), ("Asia/Tokyo", "02/01/2026 12:04")],
)
def test_the_order_page_shows_when_it_was_placed_in_the_configured_zone(
    client, settings, zone, shown
):
    # given: a sale made offline at 03:04 UTC, the shop's zone set to ``zone``,
    # the server's to UTC
    store = LocationFactory()
    channel_selling_from(store, kind="pos", code="pos-tz")
    terminal, _token = terminal_with_token(location=store)
    variant = stocked(VariantFactory(price_amount=Decimal(85000)), store, 5).variant
    order, _created = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        lines=[LineInput(sku=variant.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
        cashier=StaffFactory(role=CASHIER),
        placed_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        sold_offline=True,
    )
    settings.SHOP_TIME_ZONE = zone
    settings.TIME_ZONE = "UTC"

    # when
    response = client.get(order_status_url(order))

    # then
    assert response.status_code == 200
    assert f"{shown}" in response.content.decode()
