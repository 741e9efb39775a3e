"""The customer page reads as a story (issue 14): names instead of "Biến thể #91", order
numbers linked to the order, amounts in đồng, the cart's lines, in a few queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from config.roles import CASHIER
from customers.models import Event
from customers.selectors import timeline, timeline_story
from customers.services import event_record, review_submit, wishlist_add
from inventory.services import product_upsert, variant_upsert
from orders.services import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mai_bought_coffee():
    """Mai views the coffee, puts two bags in the cart, checks out and orders (web)."""
    store = LocationFactory(code="hang-giay", name="Hàng Giấy")
    web = channel_selling_from(store, code="web", name="Website")
    coffee = product_upsert(slug="ca-phe-rang-xay", name="Cà phê rang xay Cầu Đất")
    bag = variant_upsert(product=coffee, sku="CF-500", price_amount=Decimal(240000), name="500 g")
    stocked(bag, store, 10)
    mai = customer_with(full_name="Trần Thị Mai", phone="+84912345678")
    event_record(customer=mai, kind=Event.Kind.PRODUCT_VIEWED, payload={"product_id": coffee.pk})
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=bag.pk, quantity=2)
    cart = checkout_start(
        cart=cart, contact_name="Trần Thị Mai", contact_phone="0912345678",
        fulfilment="pickup", pickup_location=store,
    )  # fmt: skip
    order = order_place(cart=cart, payment_method="cod")
    wishlist_add(customer=mai, variant_id=bag.pk)
    review_submit(customer=mai, product_id=coffee.pk, rating=5, text="Thơm")
    return mai, order


def test_the_timeline_names_products_orders_and_amounts(client, mai_bought_coffee):
    # given: a cashier opens her profile
    mai, order = mai_bought_coffee
    client.force_login(StaffFactory(role=CASHIER))

    # when
    response = client.get(reverse("admin:customers_customer_change", args=[mai.pk]))

    # then
    assert response.status_code == 200
    story = {entry.event.kind: entry for entry in response.context["story"]}
    assert story["product_viewed"].products[0][0] == "Cà phê rang xay Cầu Đất"
    checkout = story["checkout_started"]
    assert [(line.name, line.sku, line.quantity) for line in checkout.lines] == [
        ("Cà phê rang xay Cầu Đất 500 g", "CF-500", 2)
    ]
    placed = story["order_placed"]
    assert (placed.number, placed.amount, placed.currency) == (
        order.number,
        order.total_amount,
        "VND",
    )
    assert placed.order_url == reverse("admin:orders_order_change", args=[order.pk])
    html = response.content.decode()
    assert f'<a class="timeline-order" href="{placed.order_url}">{order.number}</a>' in html
    assert "480.000\u00a0₫" in html
    assert "Cà phê rang xay Cầu Đất 500 g × 2" in html
    assert "Website" in html and "Hàng Giấy" in html
    # the wishlist and the reviews name the product too; no "#id" left on the page
    assert "Cà phê rang xay Cầu Đất 500 g (CF-500)" in html
    assert "Cà phê rang xay Cầu Đất: 5★" in html
    for words in ("Biến thể #", "Sản phẩm #", "Variant #", "Product #"):
        assert words not in html


def test_an_event_naming_a_deleted_variant_still_reads(mai_bought_coffee):
    # given: an event from before a variant was removed from the catalog
    mai, _order = mai_bought_coffee
    event_record(
        customer=mai,
        kind=Event.Kind.CART_UPDATED,
        payload={"lines": [{"variant_id": 999_999, "sku": "OLD-1", "quantity": 1}]},
    )

    # when
    (entry,) = [e for e in timeline_story(events=timeline(customer=mai)[:1])]

    # then
    assert [(line.name, line.quantity) for line in entry.lines] == [("OLD-1", 1)]


def _events(customer, count):
    now = timezone.now()
    rows = []
    for n in range(count):
        variant = VariantFactory()
        rows.append(
            Event(customer=customer, kind="product_viewed", occurred_at=now,
                  payload={"product_id": variant.product_id})
        )  # fmt: skip
        rows.append(
            Event(customer=customer, kind="checkout_started", occurred_at=now,
                  payload={"lines": [{"variant_id": variant.pk, "sku": variant.sku,
                                      "product_id": variant.product_id, "quantity": 1}]})
        )  # fmt: skip
        rows.append(
            Event(customer=customer, kind="order_completed", occurred_at=now,
                  payload={"order_id": n + 1, "number": f"WEB-{n:06d}",
                           "total_amount": "150000", "currency": "VND",
                           "lines": [{"variant_id": variant.pk, "quantity": 2,
                                      "unit_price_amount": "75000"}]})
        )  # fmt: skip
    Event.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [5, 50])
def test_the_story_loads_what_events_name_in_two_queries(count, django_assert_max_num_queries):
    # given: events naming `count` different products and variants
    customer = customer_with(full_name="Trần Thị Mai")
    _events(customer, count)
    events = list(timeline(customer=customer))

    # when
    with django_assert_max_num_queries(2), translation.override("vi"):
        story = timeline_story(events=events)

    # then
    assert len(story) == 3 * count
    assert all(entry.products for entry in story if entry.event.kind == "product_viewed")
    assert all(
        entry.lines[0].name.startswith("Sản phẩm")
        for entry in story
        if entry.event.kind != "product_viewed"
    )


@pytest.mark.parametrize("count", [5, 50])
def test_the_customer_page_stays_within_the_same_queries_for_5_or_50_events(
    client, count, django_assert_max_num_queries
):
    # given
    customer = customer_with(full_name="Trần Thị Mai", phone="+84912345678")
    _events(customer, count)
    client.force_login(StaffFactory(role=CASHIER))

    # when
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))

    # then
    assert response.status_code == 200
    assert len(response.context["story"]) == min(3 * count, 50)


def test_a_sent_quote_is_on_the_timeline_with_its_number_total_and_lines(client):
    # given: a quote made at the store, then sent
    from orders.services.quotes import QuoteLineInput, quote_create, quote_send

    store = LocationFactory(code="cau-giay", name="Value City Cầu Giấy")
    fridge = VariantFactory(sku="TL-200", price_amount=Decimal(9_000_000))
    lan = customer_with(full_name="Lê Thị Lan", phone="+84909908089")
    quote = quote_create(
        customer=lan,
        location=store,
        lines=[QuoteLineInput(sku="TL-200", quantity=2, unit_price_amount=Decimal(8_000_000))],
        discount_amount=Decimal(500_000),
    )
    assert not Event.objects.filter(customer=lan).exists()  # a draft is not on it

    # when
    quote_send(quote=quote)

    # then: one event, with what a person needs to read
    (event,) = Event.objects.filter(customer=lan)
    assert (event.kind, event.location) == ("quote_sent", store)
    assert event.payload["number"] == quote.number
    assert Decimal(event.payload["total_amount"]) == Decimal(15_500_000)
    # and the customer page tells it in words, linking the quote
    client.force_login(StaffFactory(role=CASHIER))
    with translation.override("vi"):
        response = client.get(reverse("admin:customers_customer_change", args=[lan.pk]))
    (entry,) = response.context["story"]
    assert (entry.number, entry.amount) == (quote.number, Decimal("15500000"))
    assert entry.order_url == reverse("admin:orders_quote_change", args=[quote.pk])
    html = response.content.decode()
    assert f'<a class="timeline-order" href="{entry.order_url}">{quote.number}</a>' in html
    assert "15.500.000\u00a0₫" in html
    with translation.override("vi"):
        assert f"{fridge.display_name} × 2 · 8.000.000\u00a0₫" in html
    assert "Đã gửi báo giá" in html


def test_a_quote_that_cannot_be_sent_records_no_event():
    from orders.exceptions import QuoteExpired
    from orders.services.quotes import QuoteLineInput, quote_create, quote_send

    VariantFactory(sku="TL-200", price_amount=Decimal(9_000_000))
    lan = customer_with(full_name="Lê Thị Lan", phone="+84909908089")
    quote = quote_create(
        customer=lan,
        location=LocationFactory(),
        lines=[QuoteLineInput(sku="TL-200", quantity=1, unit_price_amount=Decimal(8_000_000))],
        expires_at=timezone.now() + timedelta(minutes=1),
    )
    quote.expires_at = timezone.now() - timedelta(minutes=1)
    quote.save(update_fields=["expires_at"])

    with pytest.raises(QuoteExpired):
        quote_send(quote=quote)

    assert not Event.objects.filter(customer=lan).exists()
