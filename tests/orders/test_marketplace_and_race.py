import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import ContactPoint
from inventory.exceptions import InsufficientStock
from inventory.models import Reservation, StockLevel
from inventory.selectors import stock_drift_list
from orders.exceptions import IdempotencyConflict
from orders.models import Order
from orders.services import (
    cart_get_or_create,
    cart_line_set,
    checkout_start,
    marketplace_order_ingest,
    pos_sale_submit,
)
from orders.services.placing import LineInput, TenderInput
from tests.factories import (
    LocationFactory,
    VariantFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

ADDRESS = {"line1": "1 Lê Lợi", "city": "TP. Hồ Chí Minh"}


@pytest.fixture
def three_channels():
    """One store whose shelf the web store, Shopee and the store's own till all sell from."""
    store = LocationFactory(name="Showroom Hàng Giấy")
    web = channel_selling_from(store, kind="web", code="web")
    shopee = channel_selling_from(store, kind="marketplace", code="shopee")
    channel_selling_from(store, kind="pos", code="pos-hg")
    terminal, _token = terminal_with_token(location=store)
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, store, 10)
    return store, web, shopee, terminal, jar


def ingest(shopee, ref, quantity=1, **buyer):
    return marketplace_order_ingest(
        channel=shopee,
        external_ref=ref,
        lines=[LineInput(sku="MK-100G", quantity=quantity, unit_price_amount=Decimal(79000))],
        placed_at=timezone.now(),
        shipping_address=ADDRESS,
        **buyer,
    )


@pytest.mark.django_db
def test_a_marketplace_order_lands_on_the_profile_its_phone_belongs_to(three_channels):
    _store, _web, shopee, _terminal, _jar = three_channels
    toan = customer_with(phone="+84909908089")

    order, created = ingest(
        shopee, "SHP-240001", quantity=2, buyer_id="shopee-buyer-77",
        buyer_phone="+84 909 908 089", buyer_name="Toản",
    )  # fmt: skip

    assert created
    assert order.customer == toan
    assert (order.status, order.total_amount) == ("confirmed", Decimal(158000))
    assert order.payments.get().method == "marketplace"
    assert ContactPoint.objects.filter(customer=toan, kind="marketplace").exists()
    assert Reservation.objects.get(reference=order.stock_reference).kind == "allocation"


@pytest.mark.django_db
def test_the_same_marketplace_order_twice_is_one_order(three_channels):
    _store, _web, shopee, _terminal, jar = three_channels

    first, created = ingest(shopee, "SHP-1")
    again, created_again = ingest(shopee, "SHP-1")

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert StockLevel.objects.get(variant=jar).reserved == 1
    with pytest.raises(IdempotencyConflict):
        ingest(shopee, "SHP-1", quantity=3)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_marketplace_order_beyond_the_shelf_is_refused_and_writes_nothing(three_channels):
    _store, _web, shopee, _terminal, jar = three_channels

    with pytest.raises(InsufficientStock):
        ingest(shopee, "SHP-9", quantity=11)

    assert not Order.objects.exists()
    assert StockLevel.objects.get(variant=jar).reserved == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_number", range(3))
def test_three_channels_racing_for_the_last_ten_units_never_oversell(three_channels, round_number):
    store, web, shopee, terminal, jar = three_channels
    carts = []
    for _ in range(12):
        cart = cart_get_or_create(channel=web)
        cart_line_set(cart=cart, variant_id=jar.pk, quantity=1)
        carts.append(cart)
    granted, refused, unexpected = [], [], []
    barrier = threading.Barrier(36)

    def attempt(action):
        barrier.wait()
        try:
            action()
            granted.append(1)
        except InsufficientStock:
            refused.append(1)
        except Exception as error:  # asserted empty below
            unexpected.append(repr(error))
        finally:
            connection.close()

    actions = [
        *(lambda cart=cart: checkout_start(cart=cart, contact_phone="0909908089",
                                            shipping_address=ADDRESS) for cart in carts),
        *(lambda: pos_sale_submit(
            terminal=terminal, client_uuid=uuid.uuid4(),
            lines=[LineInput(sku="MK-100G", quantity=1)],
            tenders=[TenderInput(method="card", amount=Decimal(85000))],
        ) for _ in range(12)),
        *(lambda n=n: ingest(shopee, f"SHP-{round_number}-{n}") for n in range(12)),
    ]  # fmt: skip
    threads = [threading.Thread(target=attempt, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert unexpected == []
    assert (len(granted), len(refused)) == (10, 26)
    level = StockLevel.objects.get(variant=jar, location=store)
    assert level.on_hand - level.reserved == 0
    assert level.on_hand >= 0
    assert list(stock_drift_list()) == []
