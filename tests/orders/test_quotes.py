"""Quotes across channels (issue 14): made at the till or in the admin, seen in the web
account, checked out online at the quoted prices, or rung up at the till; once, and not
after they expire."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from customers.services import shopper_signup
from inventory.models import StockLevel
from orders.exceptions import QuoteExpired, QuoteInvalid, QuoteUnavailable
from orders.models import Cart, Order, Quote, QuoteLine
from orders.services.checkout import checkout_start, order_place
from orders.services.quotes import (
    QuoteLineInput,
    quote_cancel,
    quote_cart_open,
    quote_create,
    quotes_expire,
)
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db

PHONE = "+84909908089"


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class Shop:
    def __init__(self):
        self.warehouse = WarehouseFactory(name="Kho Long Biên")
        self.store = LocationFactory(name="Value City Cầu Giấy", accepts_pickup=True)
        self.other_store = LocationFactory(name="Value City Quận 1")
        self.web = channel_selling_from(self.warehouse, self.store, kind="web", code="web")
        self.pos = channel_selling_from(self.store, kind="pos", code="pos-cg")
        channel_selling_from(self.other_store, kind="pos", code="pos-q1")
        self.fridge = VariantFactory(sku="TL-200", price_amount=Decimal(9_000_000))
        self.fan = VariantFactory(sku="QU-10", price_amount=Decimal(1_000_000))
        for location in (self.warehouse, self.store):
            stocked(self.fridge, location, 5)
            stocked(self.fan, location, 5)
        self.shopper = shopper_signup(password="bánh-cuốn-2026", phone="0909908089")
        _terminal, token = terminal_with_token(location=self.store)
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def quote(self, *, customer=None, location=None, days=7, send=True, discount=500_000):
        return quote_create(
            customer=customer or self.shopper,
            location=location or self.store,
            lines=[
                QuoteLineInput(sku="TL-200", quantity=2, unit_price_amount=Decimal(8_000_000)),
                QuoteLineInput(sku="QU-10", quantity=1, unit_price_amount=Decimal(900_000)),
            ],
            discount_amount=Decimal(discount),
            expires_at=timezone.now() + timedelta(days=days),
            send=send,
        )

    def look_up(self):
        response = self.api.get("/api/v1/pos/customers/lookup/", {"phone": "0909 908 089"})
        assert response.status_code == 200, response.json()


@pytest.fixture
def shop():
    return Shop()


def pickup_contact(shop):
    return {
        "contact_name": "Chị Lan",
        "contact_phone": "0909 908 089",
        "contact_email": "",
        "fulfilment": "pickup",
        "pickup_location": shop.store.pk,
    }


# --- The done-means: made at the till, ordered online at the quoted price ---------------


def test_a_quote_made_at_the_till_is_checked_out_online_at_the_quoted_price(client, shop):
    # given: the cashier finds the shopper by phone and quotes two fridges and a fan
    shop.look_up()
    made = shop.api.post(
        "/api/v1/pos/quotes/",
        {
            "customer_id": shop.shopper.pk,
            "lines": [
                {"sku": "TL-200", "quantity": 2, "unit_price_amount": "8000000"},
                {"sku": "QU-10", "quantity": 1, "unit_price_amount": "900000"},
            ],
            "discount_amount": "500000",
            "valid_days": 7,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    number = made.json()["number"]
    assert (made.json()["status"], made.json()["total_amount"]) == ("sent", "16400000")

    # when: at home, the shopper opens the account's quotes and orders it
    client.force_login(shop.shopper.user)
    listing = client.get("/account/quotes/")
    assert number in listing.content.decode()
    detail = client.get(f"/account/quotes/{number}/")
    assert "Order at these prices" in detail.content.decode()
    started = client.post(f"/account/quotes/{number}/order/")
    assert started["Location"] == "/checkout/"
    contact = client.post("/checkout/", pickup_contact(shop))
    assert contact.status_code == 302, contact.content.decode()
    pay_page = client.get("/checkout/pay/").content.decode()
    assert f"Ordered at the prices of quote {number}." in pay_page
    placed = client.post("/checkout/pay/", {"payment_method": "cod"})

    # then: one order at the quoted prices, the quote's discount spread over its lines
    assert placed.status_code == 302, placed.content.decode()
    order = Order.objects.get()
    assert order.channel == shop.web
    assert order.customer == shop.shopper
    assert sorted(order.lines.values_list("sku", "quantity", "unit_price_amount")) == [
        ("QU-10", 1, Decimal(900_000)),
        ("TL-200", 2, Decimal(8_000_000)),
    ]
    assert (order.subtotal_amount, order.discount_amount, order.total_amount) == (
        Decimal(16_900_000),
        Decimal(500_000),
        Decimal(16_400_000),
    )
    assert sum(order.lines.values_list("discount_amount", flat=True)) == Decimal(500_000)
    quote = Quote.objects.get(number=number)
    assert (quote.status, quote.order) == (Quote.Status.ACCEPTED, order)
    # the shopper's own cart was never touched; the quote's cart became the order
    assert Cart.objects.get(quote=quote).status == Cart.Status.CONVERTED


def test_someone_elses_quote_is_a_404(client, shop):
    # given: a quote for another customer
    other = customer_with(phone="+84912345678")
    quote = shop.quote(customer=other)
    client.force_login(shop.shopper.user)

    # when / then: the same answer as a quote that does not exist, and nothing is opened
    assert client.get(f"/account/quotes/{quote.number}/").status_code == 404
    assert client.post(f"/account/quotes/{quote.number}/order/").status_code == 404
    assert client.get("/account/quotes/BG-999999/").status_code == 404
    assert quote.number not in client.get("/account/quotes/").content.decode()
    assert not Cart.objects.filter(quote=quote).exists()


def test_the_quotes_pages_need_a_login(client, shop):
    quote = shop.quote()

    response = client.get(f"/account/quotes/{quote.number}/")

    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


def test_a_draft_is_not_shown_to_the_customer(client, shop):
    quote = shop.quote(send=False)
    client.force_login(shop.shopper.user)

    assert client.get(f"/account/quotes/{quote.number}/").status_code == 404


# --- Expired ------------------------------------------------------------------------------


def test_an_expired_quote_says_so_and_opens_no_checkout(client, shop):
    # given: a quote whose validity has passed (the sweep has not run yet)
    quote = shop.quote()
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(shop.shopper.user)

    # when
    detail = client.get(f"/account/quotes/{quote.number}/").content.decode()
    response = client.post(f"/account/quotes/{quote.number}/order/", follow=True)

    # then: a clear message, no cart, no hold
    assert "This quote has expired" in detail
    assert "Order at these prices" not in detail
    assert "This quote has expired, so its prices no longer hold." in response.content.decode()
    assert not Cart.objects.filter(quote=quote).exists()
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_a_quote_that_expires_during_checkout_is_refused_when_placing(shop):
    # given: the shopper started the quote's checkout (stock held) just before it lapsed
    quote = shop.quote()
    cart = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    cart = checkout_start(
        cart=cart, contact_phone=PHONE, fulfilment="pickup", pickup_location=shop.store
    )
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when / then: no order at the old prices
    with pytest.raises(QuoteExpired):
        order_place(cart=cart, payment_method="cod")
    assert not Order.objects.exists()
    quote.refresh_from_db()
    assert (quote.status, quote.order) == (Quote.Status.SENT, None)
    cart.refresh_from_db()
    assert cart.status == Cart.Status.OPEN


def test_the_sweep_marks_lapsed_quotes_expired(shop):
    live = shop.quote()
    lapsed = shop.quote()
    Quote.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    assert quotes_expire() == 1

    assert Quote.objects.get(pk=lapsed.pk).status == Quote.Status.EXPIRED
    assert Quote.objects.get(pk=live.pk).status == Quote.Status.SENT


# --- Once --------------------------------------------------------------------------------


def test_an_ordered_quote_cannot_be_ordered_again(client, shop):
    quote = shop.quote()
    cart = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    cart = checkout_start(
        cart=cart, contact_phone=PHONE, fulfilment="pickup", pickup_location=shop.store
    )
    order_place(cart=cart, payment_method="cod")
    client.force_login(shop.shopper.user)

    response = client.post(f"/account/quotes/{quote.number}/order/", follow=True)

    assert "This quote has already been ordered" in response.content.decode()
    assert Cart.objects.filter(quote=quote).count() == 1
    assert Order.objects.count() == 1


def test_a_withdrawn_quote_is_refused_at_placing(shop):
    quote = shop.quote()
    cart = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    cart = checkout_start(
        cart=cart, contact_phone=PHONE, fulfilment="pickup", pickup_location=shop.store
    )
    quote_cancel(quote=quote)

    with pytest.raises(QuoteUnavailable):
        order_place(cart=cart, payment_method="cod")

    assert not Order.objects.exists()


def test_opening_a_quotes_checkout_twice_gives_the_same_cart(shop):
    quote = shop.quote()

    first = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    second = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)

    assert first.pk == second.pk
    assert sorted(first.lines.values_list("variant__sku", "quantity")) == [
        ("QU-10", 1),
        ("TL-200", 2),
    ]


def test_the_shoppers_own_cart_stays_beside_the_quotes_cart(client, shop):
    # given: something in the shopper's own cart
    client.force_login(shop.shopper.user)
    client.post("/cart/add/", {"variant_id": shop.fan.pk, "quantity": 3})
    quote = shop.quote()

    # when
    client.post(f"/account/quotes/{quote.number}/order/")
    cart_page = client.get("/cart/").content.decode()

    # then: the own cart still has its 3 fans; the quote's cart is apart
    own = Cart.objects.get(quote__isnull=True, user=shop.shopper.user)
    assert list(own.lines.values_list("quantity", flat=True)) == [3]
    assert Cart.objects.filter(quote=quote, status="open").count() == 1
    assert "quote" not in cart_page.lower() or quote.number not in cart_page


# --- Made with bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"discount_amount": Decimal(99_000_000)}, "discount_amount"),
        ({"expires_at": "past"}, "expires_at"),
        ({"lines": [QuoteLineInput(sku="NOPE", quantity=1, unit_price_amount=Decimal(1))]}, "NOPE"),
    ],
)
def test_a_quote_with_bad_terms_is_refused_and_nothing_is_written(shop, change, field):
    arguments = {
        "customer": shop.shopper,
        "location": shop.store,
        "lines": [QuoteLineInput(sku="TL-200", quantity=1, unit_price_amount=Decimal(8_000_000))],
        **change,
    }
    if arguments.get("expires_at") == "past":
        arguments["expires_at"] = timezone.now() - timedelta(days=1)

    with pytest.raises(QuoteInvalid) as refused:
        quote_create(**arguments)

    assert field in refused.value.fields
    assert not Quote.objects.exists()
    assert not QuoteLine.objects.exists()


# --- At the till -------------------------------------------------------------------------


def test_the_till_rings_a_quote_up_at_its_prices(shop):
    # given: a quote of this store
    quote = shop.quote()
    body = {
        "client_uuid": str(uuid.uuid4()),
        "payments": [{"method": "cash", "amount": "16400000", "tendered_amount": "16400000"}],
    }

    # when: rung up, then the till retries the same request
    sold = shop.api.post(f"/api/v1/pos/quotes/{quote.pk}/sale/", body, format="json")
    again = shop.api.post(f"/api/v1/pos/quotes/{quote.pk}/sale/", body, format="json")

    # then: one sale at the quoted prices, stock taken from the store's shelf
    assert sold.status_code == 201, sold.json()
    assert again.status_code == 200
    assert again.json()["id"] == sold.json()["id"]
    assert sold.json()["total_amount"] == "16400000"
    order = Order.objects.get()
    assert (order.channel, order.customer, order.status) == (shop.pos, shop.shopper, "completed")
    assert StockLevel.objects.get(variant=shop.fridge, location=shop.store).on_hand == 3
    quote.refresh_from_db()
    assert (quote.status, quote.order) == (Quote.Status.ACCEPTED, order)
    detail = shop.api.get(f"/api/v1/pos/quotes/{quote.pk}/")
    assert (detail.json()["status"], detail.json()["order_id"]) == ("accepted", order.pk)


def test_the_till_refuses_an_expired_quote_and_writes_nothing(shop):
    quote = shop.quote()
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = shop.api.post(
        f"/api/v1/pos/quotes/{quote.pk}/sale/",
        {
            "client_uuid": str(uuid.uuid4()),
            "payments": [{"method": "cash", "amount": "16400000"}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "quote_expired"
    assert not Order.objects.exists()
    assert StockLevel.objects.get(variant=shop.fridge, location=shop.store).on_hand == 5


def test_a_quote_ordered_online_cannot_be_rung_up_again(shop):
    quote = shop.quote()
    cart = quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    cart = checkout_start(
        cart=cart, contact_phone=PHONE, fulfilment="pickup", pickup_location=shop.store
    )
    order_place(cart=cart, payment_method="cod")

    response = shop.api.post(
        f"/api/v1/pos/quotes/{quote.pk}/sale/",
        {
            "client_uuid": str(uuid.uuid4()),
            "payments": [{"method": "cash", "amount": "16400000"}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "quote_unavailable"
    assert Order.objects.count() == 1


def test_another_stores_quote_is_a_404_at_the_till(shop):
    quote = shop.quote(location=shop.other_store)

    detail = shop.api.get(f"/api/v1/pos/quotes/{quote.pk}/")
    sale = shop.api.post(
        f"/api/v1/pos/quotes/{quote.pk}/sale/",
        {"client_uuid": str(uuid.uuid4()), "payments": [{"method": "cash", "amount": "1"}]},
        format="json",
    )

    assert (detail.status_code, sale.status_code) == (404, 404)
    assert not Order.objects.exists()


def test_the_till_quotes_only_a_customer_it_found(shop):
    # given: no look-up by phone first
    response = shop.api.post(
        "/api/v1/pos/quotes/",
        {
            "customer_id": shop.shopper.pk,
            "lines": [{"sku": "TL-200", "quantity": 1, "unit_price_amount": "8000000"}],
        },
        format="json",
    )

    assert response.status_code == 404
    assert not Quote.objects.exists()


def test_a_till_quote_with_a_discount_above_its_total_is_a_400(shop):
    shop.look_up()

    response = shop.api.post(
        "/api/v1/pos/quotes/",
        {
            "customer_id": shop.shopper.pk,
            "lines": [{"sku": "TL-200", "quantity": 1, "unit_price_amount": "8000000"}],
            "discount_amount": "9000000",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "quote_invalid"
    assert "discount_amount" in response.json()["fields"]
    assert not Quote.objects.exists()


def test_reading_a_quote_at_the_till_takes_the_same_queries_for_1_or_20_lines(
    shop, django_assert_max_num_queries
):
    quote = shop.quote()
    for index in range(18):
        variant = VariantFactory(price_amount=Decimal(1000))
        QuoteLine.objects.create(
            quote=quote, variant=variant, quantity=1, unit_price_amount=Decimal(index)
        )

    with django_assert_max_num_queries(8):
        response = shop.api.get(f"/api/v1/pos/quotes/{quote.pk}/")

    assert len(response.json()["lines"]) == 20


def test_the_quote_endpoints_need_a_terminal_token(shop):
    quote = shop.quote()
    anonymous = APIClient()

    answers = [
        anonymous.get(f"/api/v1/pos/quotes/{quote.pk}/").status_code,
        anonymous.post("/api/v1/pos/quotes/", {}, format="json").status_code,
        anonymous.post(f"/api/v1/pos/quotes/{quote.pk}/sale/", {}, format="json").status_code,
    ]

    assert answers == [401, 401, 401]


def test_the_cashier_does_not_see_a_quotes_checkout_as_the_web_cart(shop):
    # given: the shopper opened the quote's checkout online but has no cart of their own
    quote = shop.quote()
    quote_cart_open(quote=quote, user=shop.shopper.user, channel=shop.web)
    shop.look_up()

    summary = shop.api.get(f"/api/v1/pos/customers/{shop.shopper.pk}/").json()

    assert summary["open_web_cart"] is None


def test_a_voucher_applies_on_top_of_the_quote_at_the_till_and_points_need_their_code(shop):
    from tests.factories import VoucherFactory

    quote = shop.quote()
    VoucherFactory(code="GIAM50", value=Decimal(50_000))

    with_points = shop.api.post(
        f"/api/v1/pos/quotes/{quote.pk}/sale/",
        {
            "client_uuid": str(uuid.uuid4()),
            "payments": [{"method": "card", "amount": "16350000"}],
            "points": 10,
        },
        format="json",
    )
    with_voucher = shop.api.post(
        f"/api/v1/pos/quotes/{quote.pk}/sale/",
        {
            "client_uuid": str(uuid.uuid4()),
            "payments": [{"method": "card", "amount": "16350000"}],
            "voucher_code": "GIAM50",
        },
        format="json",
    )

    assert with_points.status_code == 400
    assert "points_code" in with_points.json()["fields"]
    assert with_voucher.status_code == 201, with_voucher.json()
    order = Order.objects.get()
    assert (order.voucher_code, order.discount_amount, order.total_amount) == (
        "GIAM50",
        Decimal(550_000),
        Decimal(16_350_000),
    )
