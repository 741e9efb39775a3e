"""The marketplace screens: listings (mapped or not, pushed figure, drift), the webhook log
with replay, held orders with release, the sync log; each read in a bounded number of
queries."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import translation

from config.roles import MARKETER, OWNER
from orders.marketplaces.models import HeldOrder, Listing, StockSyncLog, WebhookEvent
from orders.marketplaces.services import stock_sync, webhook_event_process, webhook_events_pending
from orders.models import Order
from tests.factories import StaffFactory
from tests.orders.marketplace_setup import jar, sim_shop

pytestmark = pytest.mark.django_db

LISTINGS = "/admin/orders/listing/"
EVENTS = "/admin/orders/webhookevent/"
HOLDS = "/admin/orders/heldorder/"
SYNC_LOG = "/admin/orders/stocksynclog/"


@pytest.fixture(autouse=True)
def _english_messages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shopee(settings):
    setup = sim_shop(settings, platform="shopee")
    yield setup
    setup.sim.stop()


def results(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def a_held_order(shopee, client):
    shopee.sim.add_listing("555", "", quantity=10)
    shopee.sim.buy("SN1", [("555", "", 1, 79000)])
    shopee.sim.deliver(lambda delivery: shopee.post(client, delivery))
    for pk in webhook_events_pending():
        webhook_event_process(event_pk=pk)
    return HeldOrder.objects.get()


def test_the_listing_screen_filters_unmapped_and_shows_pushed_figures_in_few_queries(
    client, shopee, django_assert_max_num_queries
):
    # given
    for n in range(8):
        shopee.map(jar(sku=f"SKU-{n}", stock=n + 1, store=shopee.store), str(100 + n))
    Listing.objects.create(shop=shopee.shop, item_id="999", name="Không rõ")
    stock_sync()
    client.force_login(StaffFactory(role=OWNER))

    # when
    with django_assert_max_num_queries(12):
        everything = results(client.get(LISTINGS))
    unmapped = results(client.get(LISTINGS, {"mapped": "no"}))

    # then
    assert len(everything) == 9
    assert [listing.item_id for listing in unmapped] == ["999"]
    assert sorted(row.last_pushed_quantity for row in everything if row.variant_id) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
    ]


def test_staff_map_a_listing_and_release_the_order_it_held(client, shopee):
    # given
    held = a_held_order(shopee, client)
    variant = jar(stock=10, store=shopee.store)
    listing = Listing.objects.get(item_id="555")
    client.force_login(StaffFactory(role=OWNER))

    # when staff choose the variant on the listing's page
    response = client.post(f"{LISTINGS}{listing.pk}/change/", {"variant": variant.pk})

    # then
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.variant, listing.dirty_count) == (variant, 1)

    # when they release the held order
    response = client.post(
        HOLDS, {"action": "release", ACTION_CHECKBOX_NAME: [held.pk]}, follow=True
    )

    # then
    assert "1 order(s) released." in [str(m) for m in response.context["messages"]]
    order = Order.objects.get()
    held.refresh_from_db()
    assert (held.status, held.order, order.external_ref) == ("released", order, "SN1")


def test_releasing_before_mapping_says_which_item_is_unmapped(client, shopee):
    held = a_held_order(shopee, client)
    client.force_login(StaffFactory(role=OWNER))

    response = client.post(
        HOLDS, {"action": "release", ACTION_CHECKBOX_NAME: [held.pk]}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "SN1: Some items of this order are still not mapped to a variant. 555/"
    ]
    assert Order.objects.count() == 0


def test_a_failed_event_is_replayed_from_the_log(client, shopee):
    # given an event that failed while the platform was down
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], status="created")
    shopee.sim.deliver(lambda delivery: shopee.post(client, delivery))
    WebhookEvent.objects.update(status="failed", error="shopee: connection refused")
    client.force_login(StaffFactory(role=OWNER))
    event = WebhookEvent.objects.get()

    # when
    response = client.post(
        EVENTS, {"action": "replay", ACTION_CHECKBOX_NAME: [event.pk]}, follow=True
    )

    # then
    assert "1 event(s) processed again." in [str(m) for m in response.context["messages"]]
    event.refresh_from_db()
    assert (event.status, event.error, event.order.external_ref) == ("processed", "", "SN1")


def test_a_marketer_reads_the_logs_but_cannot_replay_or_release(client, shopee):
    held = a_held_order(shopee, client)
    client.force_login(StaffFactory(role=MARKETER))

    events_page = client.get(EVENTS)
    refused = client.post(HOLDS, {"action": "release", ACTION_CHECKBOX_NAME: [held.pk]})

    assert events_page.status_code == 200
    assert events_page.context["action_form"] is None  # no action they may take
    assert refused.status_code in (200, 302)
    held.refresh_from_db()
    assert held.status == "held"
    assert Order.objects.count() == 0


def test_the_sync_log_and_the_listing_import_page(client, shopee):
    # given
    variant = jar(sku="MK-100G", stock=3, store=shopee.store)
    shopee.map(variant, "100")
    stock_sync()
    client.force_login(StaffFactory(role=OWNER))

    # when
    log = results(client.get(SYNC_LOG))
    imported = client.post(
        f"{LISTINGS}import/",
        {
            "shop": shopee.shop.pk,
            "file": io.BytesIO(b"item_id,model_id,seller_sku,name,sku\n200,,nope,Jar,\n"),
        },
    )

    # then
    assert [(row.quantity, row.outcome) for row in log] == [(3, "ok")]
    assert imported.status_code == 200
    assert [row["reason"] for row in imported.context["report"].unmapped] == [
        "No variant has SKU nope."
    ]
    assert StockSyncLog.objects.count() == 1
