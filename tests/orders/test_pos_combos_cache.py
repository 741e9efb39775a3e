"""The till keeps the active combos in its process under their stamp (read with the prices):
a sale reads no bundle row, and any change to a combo, by any path, counts from the next
sale on."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Location
from orders.models import Bundle, BundleItem, Order
from tests.factories import VariantFactory, channel_selling_from
from tests.orders.test_bundles import catalog, till  # noqa: F401 (fixtures)

WHOLE_PRICE = Decimal(650000 + 480000 + 349000)
COMBO_PRICE = Decimal(1350000)
THE_SET = ("TT-500G", "LX-500G", "MC-500G")


def sell_the_set(api, total: Decimal):
    return api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": sku, "quantity": 1} for sku in THE_SET],
            "payments": [{"method": "cash", "amount": str(total)}],
        },
        format="json",
    )


def price_changed(bundle):
    Bundle.objects.filter(pk=bundle.pk).update(price_amount=Decimal(1300000))


def ended_by_the_admin_action(bundle):
    # the admin's "End the selected combos now" is a queryset update: no save(), no signal
    Bundle.objects.filter(pk=bundle.pk).update(is_active=False)


def window_closed(bundle):
    Bundle.objects.filter(pk=bundle.pk).update(ends_at=timezone.now() - timedelta(minutes=1))


def item_added(bundle):
    BundleItem.objects.create(bundle=bundle, variant=VariantFactory(), quantity=1)


def quantity_raised(bundle):
    BundleItem.objects.filter(bundle=bundle, variant__sku="TT-500G").update(quantity=2)


def moved_to_another_channel(bundle):
    other = channel_selling_from(Location.objects.create(code="kho", name="Kho"), code="web-2")
    bundle.channels.add(other)


def replaced_by_a_new_combo(bundle):
    Bundle.objects.filter(pk=bundle.pk).update(is_active=False)
    pair = Bundle.objects.create(name="Đôi", slug="doi", price_amount=Decimal(729000))
    for sku in ("LX-500G", "MC-500G"):
        BundleItem.objects.create(bundle=pair, variant=bundle.items.get(variant__sku=sku).variant)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "edit, total",
    [
        (None, COMBO_PRICE),
        (price_changed, Decimal(1300000)),
        (ended_by_the_admin_action, WHOLE_PRICE),
        (window_closed, WHOLE_PRICE),
        (item_added, WHOLE_PRICE),
        (quantity_raised, WHOLE_PRICE),
        (moved_to_another_channel, WHOLE_PRICE),
        (replaced_by_a_new_combo, WHOLE_PRICE - Decimal(100000)),
    ],
)
def test_a_combo_edited_after_a_sale_counts_from_the_next_sale(till, catalog, edit, total):  # noqa: F811
    # given: a sale at the combo price (the till now holds the combos)
    api, _terminal, _location = till
    bundle = catalog[0]
    assert sell_the_set(api, COMBO_PRICE).status_code == 201

    # when: the combo is changed behind the till's back, then the set is sold again
    if edit is not None:
        edit(bundle)
    response = sell_the_set(api, total)

    # then: sold at what the combos say now
    assert response.status_code == 201, response.json()
    assert Order.objects.order_by("pk").last().total_amount == total


@pytest.mark.django_db
def test_a_sale_reads_no_bundle_row_while_the_combos_stand_still(till, catalog):  # noqa: F811
    api, _terminal, _location = till
    assert sell_the_set(api, COMBO_PRICE).status_code == 201

    with CaptureQueriesContext(connection) as captured:
        assert sell_the_set(api, COMBO_PRICE).status_code == 201

    # the price read computes the stamp (unquoted names); no query of Django's own reads
    # a combo table
    assert not [query for query in captured if '"orders_bundle' in query["sql"]]


@pytest.mark.django_db
def test_a_combo_starts_at_its_time_without_any_change(till, catalog, time_machine):  # noqa: F811
    # given: a combo that starts in an hour, and a sale before that
    api, _terminal, _location = till
    start = timezone.now() + timedelta(hours=1)
    Bundle.objects.filter(pk=catalog[0].pk).update(starts_at=start)
    assert sell_the_set(api, WHOLE_PRICE).status_code == 201

    # when: its time comes
    time_machine.move_to(start + timedelta(seconds=1), tick=False)
    response = sell_the_set(api, COMBO_PRICE)

    # then
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_combos_read_under_a_stamp_that_moved_meanwhile_are_not_kept(catalog):  # noqa: F811
    # given: a price read's stamp from before an edit the combos' read then saw
    from orders.services import bundles as combos

    combos._active = ("", [])

    # when
    read = combos._active_bundles("the stamp before the edit")

    # then: used for that sale, never kept under a stamp they may not match
    assert [bundle.pk for bundle, _items, _channels in read] == [catalog[0].pk]
    assert combos._active == ("", [])
