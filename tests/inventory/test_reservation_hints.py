"""The hot path's hint (inventory/services/reservations/hot.py): a process remembers which
stock level a SKU's single-line reservation goes to, so the next one is only the
conditional UPDATE and the INSERT. The hint never sells what is not there, and changes
are seen: at once in this process, within STOCK_ALLOCATION_HINT_SECONDS in any other."""

import pytest
from django.db import connection
from django.utils.translation import gettext

from inventory.exceptions import InsufficientStock
from inventory.models import ChannelLocation, Reservation, Variant
from inventory.services import StockLine, sales_channel_upsert, stock_reserve, variant_upsert
from inventory.services.reservations import hot
from tests.factories import stocked
from tests.inventory.checks import assert_stock_invariants, figures, row_counts

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's"
)

MAC_KHEN = "MAC-KHEN-100"


def allocate(channel, quantity, reference, **fields):
    return stock_reserve(
        channel=channel,
        lines=[StockLine(sku=MAC_KHEN, quantity=quantity)],
        reference=reference,
        kind=Reservation.Kind.ALLOCATION,
        **fields,
    )


def test_the_second_allocation_is_one_statement_that_searches_nothing(
    shop, django_assert_num_queries
):
    # given: one allocation made, so this process knows where the SKU goes
    warehouse = stocked(shop.variant, shop.warehouse, 10)
    allocate(shop.web, 1, "order:WEB-1")

    # when
    with django_assert_num_queries(1) as captured:
        [held] = allocate(shop.web, 2, "order:WEB-2")

    # then: the UPDATE and the INSERT only, and the reservation row is there
    [statement] = captured.captured_queries
    assert "inventory_channellocation" not in statement["sql"]
    assert held.stock_level_id == warehouse.pk
    assert Reservation.objects.get(pk=held.pk).quantity == 2
    assert figures(warehouse) == (10, 3)
    assert_stock_invariants()


def test_when_the_hinted_location_runs_short_the_next_one_takes_the_line(shop):
    # given: the warehouse (first choice) has 2, Hàng Giấy 5; the first order empties the warehouse
    warehouse = stocked(shop.variant, shop.warehouse, 2)
    store = stocked(shop.variant, shop.hang_giay, 5)
    allocate(shop.web, 2, "order:WEB-1")

    # when
    [held] = allocate(shop.web, 3, "order:WEB-2")

    # then
    assert held.stock_level_id == store.pk
    assert figures(warehouse) == (2, 2)
    assert figures(store) == (5, 3)
    assert_stock_invariants()


def test_the_hint_never_oversells(shop):
    # given: 3 units, two taken through the hint's path
    warehouse = stocked(shop.variant, shop.warehouse, 3)
    allocate(shop.web, 1, "order:WEB-1")
    allocate(shop.web, 1, "order:WEB-2")
    before = row_counts()

    # when / then
    with pytest.raises(InsufficientStock):
        allocate(shop.shopee, 2, "order:SHP-1")
    assert row_counts() == before
    assert figures(warehouse) == (3, 2)
    assert_stock_invariants()


def test_a_variant_taken_off_sale_here_is_refused_at_once(shop):
    # given
    warehouse = stocked(shop.variant, shop.warehouse, 10)
    allocate(shop.web, 1, "order:WEB-1")
    variant_upsert(
        product=shop.variant.product,
        sku=MAC_KHEN,
        price_amount=shop.variant.price_amount,
        is_active=False,
    )
    before = row_counts()

    # when / then
    with pytest.raises(InsufficientStock) as refused:
        allocate(shop.web, 1, "order:WEB-2")
    assert refused.value.fields == {MAC_KHEN: [gettext("Not for sale.")]}
    assert row_counts() == before
    assert figures(warehouse) == (10, 1)


def test_a_location_dropped_from_the_channel_here_is_not_sold_from(shop):
    # given: the web sells from the warehouse first; then only from Hàng Giấy
    warehouse = stocked(shop.variant, shop.warehouse, 10)
    store = stocked(shop.variant, shop.hang_giay, 10)
    allocate(shop.web, 1, "order:WEB-1")
    sales_channel_upsert(code="web", name="web", kind="web", locations=[shop.hang_giay])

    # when
    [held] = allocate(shop.web, 1, "order:WEB-2")

    # then
    assert held.stock_level_id == store.pk
    assert figures(warehouse) == (10, 1)
    assert_stock_invariants()


def test_a_change_made_by_another_process_is_seen_once_the_hint_is_old(shop, settings, monkeypatch):
    # given: the hint is known; another process (no signal reaches this one) takes the
    # variant off sale
    settings.STOCK_ALLOCATION_HINT_SECONDS = 1
    warehouse = stocked(shop.variant, shop.warehouse, 10)
    allocate(shop.web, 1, "order:WEB-1")
    Variant.objects.filter(pk=shop.variant.pk).update(is_active=False)
    later = hot.time.monotonic() + 1.5
    monkeypatch.setattr(hot.time, "monotonic", lambda: later)
    before = row_counts()

    # when / then
    with pytest.raises(InsufficientStock) as refused:
        allocate(shop.web, 1, "order:WEB-2")
    assert refused.value.fields == {MAC_KHEN: [gettext("Not for sale.")]}
    assert row_counts() == before
    assert figures(warehouse) == (10, 1)


def test_a_link_removed_by_another_process_is_seen_once_the_hint_is_old(
    shop, settings, monkeypatch
):
    # given
    settings.STOCK_ALLOCATION_HINT_SECONDS = 1
    warehouse = stocked(shop.variant, shop.warehouse, 10)
    store = stocked(shop.variant, shop.hang_giay, 10)
    allocate(shop.web, 1, "order:WEB-1")
    ChannelLocation.objects.filter(channel=shop.web, location=shop.warehouse)._raw_delete(
        connection.alias
    )
    later = hot.time.monotonic() + 1.5
    monkeypatch.setattr(hot.time, "monotonic", lambda: later)

    # when
    [held] = allocate(shop.web, 1, "order:WEB-2")

    # then
    assert held.stock_level_id == store.pk
    assert figures(warehouse) == (10, 1)


def test_a_second_choice_is_not_remembered(shop):
    # given: the warehouse holds the variant but has none free; Hàng Giấy has it
    stocked(shop.variant, shop.warehouse, 1)
    store = stocked(shop.variant, shop.hang_giay, 10)
    allocate(shop.shopee, 1, "order:SHP-1")
    allocate(shop.web, 1, "order:WEB-1")

    # when: the warehouse is restocked (a receipt, which forgets no hint)
    stocked(shop.variant, shop.warehouse, 5)
    [held] = allocate(shop.web, 1, "order:WEB-2")

    # then: the first choice is back in use at once
    assert held.stock_level.location == shop.warehouse
    assert figures(store) == (10, 1)
    assert_stock_invariants()


def test_hints_can_be_turned_off(shop, settings, django_assert_num_queries):
    # given
    settings.STOCK_ALLOCATION_HINT_SECONDS = 0
    stocked(shop.variant, shop.warehouse, 10)
    allocate(shop.web, 1, "order:WEB-1")

    # when
    with django_assert_num_queries(1) as captured:
        allocate(shop.web, 1, "order:WEB-2")

    # then: the full statement, which searches the channel's locations
    assert "inventory_channellocation" in captured.captured_queries[0]["sql"]
