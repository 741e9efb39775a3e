"""A quote is taken up once, even by checkouts racing on the web and at the till
(PostgreSQL, real threads)."""

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from customers.services import shopper_signup
from inventory.models import StockLevel
from orders.exceptions import QuoteUnavailable
from orders.models import Order, Quote
from orders.services.checkout import checkout_start, order_place
from orders.services.quotes import QuoteLineInput, quote_cart_open, quote_create
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_quote_checked_out_online_and_at_two_tills_at_once_is_one_order():
    # given: a quote whose online checkout holds the stock, and two tills about to ring it up
    store = LocationFactory(accepts_pickup=True)
    web = channel_selling_from(store, kind="web", code="web")
    channel_selling_from(store, kind="pos", code="pos-1")
    fridge = VariantFactory(sku="TL-200", price_amount=Decimal(9_000_000))
    stocked(fridge, store, 5)
    shopper = shopper_signup(password="bánh-cuốn-2026", phone="0909908089")
    quote = quote_create(
        customer=shopper,
        location=store,
        lines=[QuoteLineInput(sku="TL-200", quantity=1, unit_price_amount=Decimal(8_000_000))],
        expires_at=timezone.now() + timedelta(days=3),
        send=True,
    )
    cart = quote_cart_open(quote=quote, user=shopper.user, channel=web)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="pickup", pickup_location=store
    )
    tokens = [terminal_with_token(location=store, name=f"Quầy {n}")[1] for n in (1, 2)]
    outcomes, barrier = [], threading.Barrier(3)

    def online():
        barrier.wait()
        try:
            order_place(cart=cart, payment_method="cod")
            outcomes.append("placed")
        except QuoteUnavailable:
            outcomes.append("refused")
        finally:
            connection.close()

    def till(token):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            response = api.post(
                f"/api/v1/pos/quotes/{quote.pk}/sale/",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "payments": [{"method": "card", "amount": "8000000"}],
                },
                format="json",
            )
            outcomes.append(
                "placed" if response.status_code == 201 else response.json().get("code")
            )
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=online)] + [
        threading.Thread(target=till, args=(token,)) for token in tokens
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one order; the two others were told the quote was ordered
    assert sorted(outcomes) == ["placed", "quote_unavailable", "quote_unavailable"] or sorted(
        outcomes
    ) == ["placed", "quote_unavailable", "refused"]
    order = Order.objects.get()
    assert Quote.objects.get(pk=quote.pk).order == order
    level = StockLevel.objects.get(variant=fridge, location=store)
    # one unit left the shelf (a till) or is allocated to the order (online), never two
    assert (level.on_hand, level.reserved) in {(4, 0), (5, 1)}
