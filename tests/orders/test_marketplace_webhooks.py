"""The marketplace webhook door: signatures, bad input, storage once, and what the job does
with each notice (record, converge, hold)."""

import json
from decimal import Decimal

import pytest

from customers.models import ContactPoint
from inventory.models import Reservation, StockMovement
from orders.marketplaces.models import HeldOrder, Listing, WebhookEvent
from orders.marketplaces.services import (
    held_order_release,
    listing_map,
    webhook_event_process,
    webhook_events_pending,
)
from orders.models import Order
from tests.factories import customer_with
from tests.inventory.checks import assert_stock_invariants, figures
from tests.orders.marketplace_setup import jar, sim_shop


@pytest.fixture
def shopee(settings):
    setup = sim_shop(settings, platform="shopee")
    yield setup
    setup.sim.stop()


@pytest.fixture
def lazada(settings):
    setup = sim_shop(settings, platform="lazada", shop_id="VN1234")
    yield setup
    setup.sim.stop()


def process_all() -> list[WebhookEvent]:
    return [webhook_event_process(event_pk=pk) for pk in webhook_events_pending()]


def deliver(setup, client, **options):
    responses = []
    setup.sim.deliver(lambda d: responses.append(setup.post(client, d)), **options)
    return responses


def nothing_written():
    return (WebhookEvent.objects.count(), Order.objects.count(), HeldOrder.objects.count())


# --- The door ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_forged_webhook_is_refused_401_and_writes_nothing(client, shopee):
    # given a real notice whose body was altered after signing
    variant = jar(stock=5, store=shopee.store)
    shopee.map(variant, "100", quantity=5)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)])
    delivery = shopee.sim.outbox[0]
    forged = delivery.body.replace(b"SN1", b"SN2")

    # when
    response = client.post(
        shopee.path, data=forged, content_type="application/json", headers=delivery.headers
    )

    # then
    assert response.status_code == 401
    assert response.json() == {
        "code": "signature_invalid",
        "detail": "The webhook's signature does not match its body; nothing was recorded.",
        "fields": {},
    }
    assert nothing_written() == (0, 0, 0)


@pytest.mark.django_db
def test_a_webhook_without_signature_is_refused_401(client, shopee):
    response = client.post(shopee.path, data=b'{"code": 3}', content_type="application/json")

    assert response.status_code == 401
    assert nothing_written() == (0, 0, 0)


@pytest.mark.django_db
def test_an_unknown_shop_or_platform_is_404_in_our_error_shape(client, shopee):
    # given a correctly signed body for a shop we do not have
    body = b'{"code": 3, "data": {"ordersn": "SN1", "status": "READY_TO_SHIP"}}'
    url = "http://testserver/api/v1/marketplaces/shopee/9999/webhook"

    # when
    unknown_shop = client.post(
        "/api/v1/marketplaces/shopee/9999/webhook", data=body, content_type="application/json",
        headers=shopee.sim.sign_webhook(url, body),
    )  # fmt: skip
    unknown_platform = client.post(
        "/api/v1/marketplaces/amazon/1001/webhook", data=body, content_type="application/json"
    )

    # then
    assert unknown_shop.status_code == unknown_platform.status_code == 404
    assert unknown_shop.json()["code"] == unknown_platform.json()["code"] == "not_found"
    assert set(unknown_shop.json()) == {"code", "detail", "fields"}
    assert nothing_written() == (0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
def test_a_signed_body_that_is_not_a_json_object_is_400(client, shopee, body):
    # when
    response = client.post(
        shopee.path, data=body, content_type="application/json",
        headers=shopee.sim.sign_webhook(shopee.sim.webhook_url, body),
    )  # fmt: skip

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert response.json()["fields"] == {}
    assert nothing_written() == (0, 0, 0)


@pytest.mark.django_db
def test_the_same_delivery_twice_is_stored_once(client, shopee):
    # given
    variant = jar(stock=5, store=shopee.store)
    shopee.map(variant, "100", quantity=5)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], status="created")
    delivery = shopee.sim.outbox[0]

    # when
    first, second = shopee.post(client, delivery), shopee.post(client, delivery)

    # then
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    assert first.json()["event_id"] == second.json()["event_id"]
    event = WebhookEvent.objects.get()
    assert (event.status, event.external_ref) == ("received", "SN1")
    assert Order.objects.count() == 0  # the job records it, not the request


@pytest.mark.django_db
def test_a_webhook_about_something_else_is_stored_as_ignored(client, shopee):
    body = json.dumps({"code": 1, "shop_id": 1001, "data": {}}).encode()

    response = client.post(
        shopee.path, data=body, content_type="application/json",
        headers=shopee.sim.sign_webhook(shopee.sim.webhook_url, body),
    )  # fmt: skip

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == "ignored"
    assert webhook_events_pending() == []


# --- The job -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_paid_order_is_recorded_once_on_the_buyers_profile_with_its_stock_allocated(
    client, shopee
):
    # given a shopper known by phone, and a duplicated delivery of the notices
    toan = customer_with(phone="+84909908089")
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy(
        "SN1", [("100", "", 2, 79000)], buyer_phone="0909908089", buyer_name="Toản",
        buyer_id="777",
    )  # fmt: skip
    deliver(shopee, client, duplicate=1.0)

    # when
    processed = process_all()

    # then
    order = Order.objects.get()
    assert (order.external_ref, order.status, order.customer) == ("SN1", "confirmed", toan)
    assert order.total_amount == Decimal(158000)
    assert ContactPoint.objects.filter(customer=toan, kind="marketplace", value="777").exists()
    assert Reservation.objects.get(reference=order.stock_reference).quantity == 2
    assert sorted(event.status for event in processed) == ["processed", "processed"]
    assert WebhookEvent.objects.count() == 2  # created + paid; their duplicates stored once


@pytest.mark.django_db
def test_status_updates_out_of_order_and_twice_converge_on_delivered(client, shopee):
    # given an order that went all the way, its notices shuffled and duplicated
    variant = jar(stock=10, store=shopee.store)
    level = variant.stock_levels.get()
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 3, 79000)])
    shopee.sim.set_status("SN1", "shipped")
    shopee.sim.set_status("SN1", "delivered")
    sent = shopee.sim.deliver(
        lambda delivery: shopee.post(client, delivery), reorder=True, duplicate=1.0
    )
    sent_statuses = [json.loads(d.body)["data"]["status"] for d in sent]

    # when
    process_all()

    # then
    order = Order.objects.get()
    assert order.status == "completed"
    assert figures(level) == (7, 0)
    assert StockMovement.objects.filter(reference=order.stock_reference).count() == 1
    assert sorted(set(sent_statuses)) == ["COMPLETED", "READY_TO_SHIP", "SHIPPED", "UNPAID"]
    assert len(sent_statuses) == 8
    assert_stock_invariants()


@pytest.mark.django_db
def test_the_final_notice_first_then_the_first_one_leaves_the_order_final(client, shopee):
    # given
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], status="created")
    shopee.sim.set_status("SN1", "paid")
    shopee.sim.set_status("SN1", "shipped")
    created, paid, shipped = shopee.sim.outbox
    shopee.sim.outbox = []

    # when the shipped notice arrives first, then the older ones
    for delivery in (shipped, created, paid):
        shopee.post(client, delivery)
        process_all()

    # then
    assert Order.objects.get().status == "shipped"


@pytest.mark.django_db
def test_a_cancelled_order_releases_its_stock(client, shopee):
    # given
    variant = jar(stock=10, store=shopee.store)
    level = variant.stock_levels.get()
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 4, 79000)])
    deliver(shopee, client)
    process_all()
    assert figures(level) == (10, 4)

    # when
    shopee.sim.set_status("SN1", "cancelled")
    deliver(shopee, client, duplicate=1.0)
    process_all()

    # then
    assert Order.objects.get().status == "cancelled"
    assert figures(level) == (10, 0)
    assert_stock_invariants()


@pytest.mark.django_db
def test_a_parcel_returned_after_delivery_goes_back_on_the_shelf(client, shopee):
    # given
    variant = jar(stock=10, store=shopee.store)
    level = variant.stock_levels.get()
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 2, 79000)])
    for status in ("shipped", "delivered", "returned"):
        shopee.sim.set_status("SN1", status)

    # when
    deliver(shopee, client, reorder=True)
    process_all()

    # then
    order = Order.objects.get()
    assert order.status == "returned"
    assert figures(level) == (10, 0)
    assert order.payments.filter(kind="refund", method="marketplace").count() == 1
    assert_stock_invariants()


@pytest.mark.django_db
def test_a_parcel_cancelled_after_it_shipped_comes_back_whole(client, shopee):
    # given
    variant = jar(stock=10, store=shopee.store)
    level = variant.stock_levels.get()
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 2, 79000)])
    shopee.sim.set_status("SN1", "shipped")
    deliver(shopee, client)
    process_all()
    assert figures(level) == (8, 0)

    # when the buyer refuses it at the door
    shopee.sim.set_status("SN1", "cancelled")
    deliver(shopee, client)
    process_all()

    # then
    order = Order.objects.get()
    assert order.status == "returned"
    assert order.lines.get().returned_quantity == 2
    assert figures(level) == (10, 0)
    assert_stock_invariants()


@pytest.mark.django_db
def test_an_unmapped_item_holds_the_order_until_staff_map_and_release_it(client, shopee):
    # given an order naming an item no listing maps
    variant = jar(stock=10, store=shopee.store)
    shopee.sim.add_listing("555", "9", quantity=10, seller_sku="MK-100G-NEW")
    shopee.sim.buy("SN1", [("555", "9", 2, 79000)])
    deliver(shopee, client)

    # when
    events = process_all()

    # then it is held whole, never dropped, never guessed
    assert [event.status for event in events] == ["held", "held"]
    hold = HeldOrder.objects.get()
    assert (hold.reason, hold.status, hold.platform_status) == ("needs_mapping", "held", "paid")
    assert hold.unmapped_items == [{"item_id": "555", "model_id": "9", "seller_sku": "MK-100G-NEW"}]
    assert hold.payload["external_ref"] == "SN1"
    assert hold.payload["raw"]["order_sn"] == "SN1"
    listing = Listing.objects.get()
    assert (listing.item_id, listing.model_id, listing.variant) == ("555", "9", None)
    assert Order.objects.count() == 0
    assert Reservation.objects.count() == 0

    # when it ships meanwhile, then staff map the listing and release the order
    shopee.sim.set_status("SN1", "shipped")
    deliver(shopee, client)
    process_all()
    listing_map(listing=listing, variant=variant)
    order = held_order_release(hold=hold)

    # then it is recorded at the latest status heard of
    assert (order.external_ref, order.status) == ("SN1", "shipped")
    hold.refresh_from_db()
    assert (hold.status, hold.order) == ("released", order)
    assert_stock_invariants()


@pytest.mark.django_db
def test_releasing_a_hold_whose_item_is_still_unmapped_is_refused_naming_it(client, shopee):
    # given
    shopee.sim.add_listing("555", "9", quantity=10)
    shopee.sim.buy("SN1", [("555", "9", 1, 79000)])
    deliver(shopee, client)
    process_all()
    hold = HeldOrder.objects.get()

    # when / then
    from orders.marketplaces.exceptions import HeldOrderStillUnmapped

    with pytest.raises(HeldOrderStillUnmapped) as refused:
        held_order_release(hold=hold)
    assert refused.value.fields == {"items": ["555/9"]}
    assert Order.objects.count() == 0
    hold.refresh_from_db()
    assert hold.status == "held"


@pytest.mark.django_db
def test_an_order_the_shelf_cannot_fill_is_held_and_closed_when_the_platform_cancels_it(
    client, shopee
):
    # given the platform shows more than we have
    variant = jar(stock=1, store=shopee.store)
    level = variant.stock_levels.get()
    shopee.map(variant, "100", quantity=5)
    shopee.sim.buy("SN1", [("100", "", 3, 79000)])
    deliver(shopee, client)

    # when
    process_all()

    # then nothing oversold: the order waits for the shop to cancel it
    hold = HeldOrder.objects.get()
    assert (hold.reason, hold.status) == ("short_stock", "held")
    assert hold.detail == "Chỉ còn 1 MK-100G khả dụng, yêu cầu 3."
    assert figures(level) == (1, 0)

    # when the shop cancels it on the platform
    shopee.sim.set_status("SN1", "cancelled")
    deliver(shopee, client)
    process_all()

    # then
    hold.refresh_from_db()
    assert (hold.status, hold.platform_status) == ("closed", "cancelled")
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_lazada_order_goes_through_the_same_door(client, lazada):
    # given
    variant = jar(stock=10, store=lazada.store)
    level = variant.stock_levels.get()
    lazada.map(variant, "3001", "88", quantity=10)
    lazada.sim.buy("LZ1", [("3001", "88", 2, 80000)], buyer_phone="0912345678")
    lazada.sim.set_status("LZ1", "shipped")
    lazada.sim.set_status("LZ1", "delivered")

    # when
    responses = deliver(lazada, client, reorder=True, duplicate=0.5)
    process_all()

    # then
    assert {response.status_code for response in responses} == {200}
    order = Order.objects.get()
    assert (order.external_ref, order.status, order.total_amount) == (
        "LZ1", "completed", Decimal(160000),
    )  # fmt: skip
    assert order.customer.contact_points.get(kind="phone").value == "+84912345678"
    assert figures(level) == (8, 0)


@pytest.mark.django_db
def test_a_platform_that_cannot_be_reached_leaves_the_event_for_the_sweep(client, shopee):
    # given a stored notice, and the platform gone
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], status="created")
    deliver(shopee, client)
    shopee.sim.stop()

    # when
    [event] = process_all()

    # then
    assert (event.status, event.attempts) == ("received", 1)
    assert "shopee" in event.error
    assert Order.objects.count() == 0
    assert webhook_events_pending() == [event.pk]


@pytest.mark.django_db
def test_a_buyer_known_only_by_marketplace_id_lands_on_the_same_profile_again(client, shopee):
    # given two orders by the same buyer id, with no phone
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], buyer_id="4242", buyer_name="Lan")
    shopee.sim.buy("SN2", [("100", "", 1, 79000)], buyer_id="4242", buyer_name="Lan")
    deliver(shopee, client)

    # when
    process_all()

    # then
    first, second = Order.objects.order_by("external_ref")
    assert first.customer is not None
    assert first.customer == second.customer
    assert list(first.customer.contact_points.values_list("kind", "value")) == [
        ("marketplace", "4242")
    ]


@pytest.mark.django_db
def test_a_masked_phone_is_not_a_contact_and_the_order_lands_on_the_buyer_id(client, shopee):
    # given Shopee shows the buyer's phone masked
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    shopee.sim.buy("SN1", [("100", "", 1, 79000)], buyer_phone="******89", buyer_id="31337")
    deliver(shopee, client)

    # when
    process_all()

    # then
    order = Order.objects.get()
    assert list(order.customer.contact_points.values_list("kind", "value")) == [
        ("marketplace", "31337")
    ]
