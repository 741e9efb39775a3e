"""The web store's cart and checkout, through the services the pages call."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import ContactPoint, Event
from customers.selectors import customer_find_by_contact, loyalty_balance
from inventory.exceptions import HoldExpired
from inventory.models import Reservation, StockLevel
from inventory.services import reservation_expire_due
from orders.exceptions import (
    CartEmpty,
    CartQuantityUnavailable,
    CheckoutIncomplete,
    PickupStoreUnavailable,
    PriceChanged,
)
from orders.models import Cart, Order, Payment
from orders.services import order_complete, order_ship
from orders.services.checkout import (
    cart_get_or_create,
    cart_line_set,
    cart_merge,
    checkout_start,
    order_place,
)
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
)

ADDRESS = {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"}


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    web = channel_selling_from(warehouse, showroom, kind="web", code="web")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(buffalo, warehouse, 3)
    stocked(spice, showroom, 10)
    return web, warehouse, showroom, buffalo, spice


def reserved(variant):
    return sum(level.reserved for level in StockLevel.objects.filter(variant=variant))


@pytest.mark.django_db
def test_a_guest_buys_for_delivery_and_is_known_by_phone_at_the_till(shop):
    web, _warehouse, _showroom, buffalo, spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=2)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=1)

    # when: the shopper types a phone in a local format and pays on delivery
    cart = checkout_start(
        cart=cart, contact_name="Anh Toản", contact_phone="0909 908 089",
        fulfilment="ship", shipping_address=ADDRESS,
    )  # fmt: skip
    order = order_place(cart=cart, payment_method="cod")

    # then: a confirmed order whose stock is allocated, not yet off the shelf
    assert order.number == "WEB-000001"
    assert (order.status, order.fulfilment) == ("confirmed", "ship")
    assert order.total_amount == Decimal(1_885_000)
    assert order.payments.get().status == Payment.Status.PENDING
    assert set(
        Reservation.objects.filter(reference=order.stock_reference).values_list("kind", "status")
    ) == {("allocation", "active")}
    assert (reserved(buffalo), reserved(spice)) == (2, 1)
    # the profile is found by the same phone written another way
    customer = customer_find_by_contact(kind="phone", value="+84 909 908 089")
    assert customer == order.customer
    assert list(customer.events.order_by("pk").values_list("kind", flat=True)) == [
        "checkout_started",
        "order_placed",
    ]
    started = customer.events.get(kind="checkout_started")
    assert started.payload["city"] == "Hà Nội"
    assert "0909" not in str(started.payload)
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.CONVERTED


@pytest.mark.django_db
def test_shipping_and_completing_take_stock_off_the_shelf_and_earn_points(shop):
    web, warehouse, _showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_email="toan@example.vn", fulfilment="ship", shipping_address=ADDRESS
    )
    order = order_place(cart=cart, payment_method="cod")

    order_ship(order=order, actor=StaffFactory())
    order_complete(order=Order.objects.get(pk=order.pk))

    level = StockLevel.objects.get(variant=buffalo, location=warehouse)
    assert (level.on_hand, level.reserved) == (2, 0)
    assert loyalty_balance(customer=order.customer) == 90
    completed = Event.objects.get(kind="order_completed")
    assert completed.payload["product_ids"] == [buffalo.product_id]


@pytest.mark.django_db
def test_adding_more_than_is_left_names_the_quantity_and_changes_nothing(shop):
    web, _warehouse, _showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)

    with pytest.raises(CartQuantityUnavailable) as error:
        cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=4)

    assert "3" in error.value.detail
    assert not cart.lines.exists()


@pytest.mark.django_db
def test_checkout_of_an_empty_cart_is_refused(shop):
    web, *_ = shop

    with pytest.raises(CartEmpty):
        checkout_start(cart=cart_get_or_create(channel=web), contact_phone="0909908089",
                       shipping_address=ADDRESS)  # fmt: skip

    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_a_bad_phone_is_named_and_nothing_is_held_or_recorded(shop):
    web, _warehouse, _showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)

    with pytest.raises(CheckoutIncomplete) as error:
        checkout_start(cart=cart, contact_phone="0909-abc", fulfilment="ship",
                       shipping_address=ADDRESS)  # fmt: skip

    assert list(error.value.fields) == ["contact_phone"]
    assert not Reservation.objects.exists()
    assert not ContactPoint.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_pick_up_at_a_store_without_every_line_is_refused(shop):
    web, _warehouse, showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)  # only in the warehouse

    with pytest.raises(PickupStoreUnavailable):
        checkout_start(cart=cart, contact_phone="0909908089", fulfilment="pickup",
                       pickup_location=showroom)  # fmt: skip

    assert not Reservation.objects.exists()
    assert Cart.objects.get(pk=cart.pk).hold_reference == ""


@pytest.mark.django_db
def test_pick_up_holds_stock_at_that_store(shop):
    web, _warehouse, showroom, _buffalo, spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=2)

    cart = checkout_start(cart=cart, contact_phone="0909908089", fulfilment="pickup",
                          pickup_location=showroom)  # fmt: skip
    order = order_place(cart=cart, payment_method="cod")

    assert (order.fulfilment, order.location) == ("pickup", showroom)
    assert StockLevel.objects.get(variant=spice, location=showroom).reserved == 2


@pytest.mark.django_db
def test_an_expired_hold_is_explained_and_no_order_is_written(shop):
    web, _warehouse, _showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", shipping_address=ADDRESS)

    # given: the shopper took longer than the hold
    reservation_expire_due(now=timezone.now() + timedelta(minutes=16))

    with pytest.raises(HoldExpired):
        order_place(cart=cart, payment_method="cod")

    assert not Order.objects.exists()
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN
    assert reserved(buffalo) == 0


@pytest.mark.django_db
def test_a_voucher_and_a_bank_transfer_with_its_vietqr(shop, settings):
    settings.VIETQR_BANK_BIN, settings.VIETQR_ACCOUNT_NUMBER = "970436", "0071000123456"
    web, _warehouse, _showroom, buffalo, _spice = shop
    VoucherFactory(code="CHAOBAN", value=Decimal(100000), min_order_amount=Decimal(500000))
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", shipping_address=ADDRESS)

    order = order_place(cart=cart, payment_method="bank_transfer", voucher_code=" chaoban ")

    assert (order.discount_amount, order.total_amount) == (Decimal(100000), Decimal(800000))
    assert order.status == "pending_payment"
    payment = order.payments.get()
    assert payment.vietqr_payload.startswith("000201010212")
    assert "5406800000" in payment.vietqr_payload
    assert "WEB000001" in payment.vietqr_payload
    assert order.voucher_redemption.discount_amount == Decimal(100000)


@pytest.mark.django_db
def test_a_changed_total_stops_the_order_and_keeps_the_hold(shop):
    web, _warehouse, _showroom, buffalo, _spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", shipping_address=ADDRESS)
    buffalo.price_amount = Decimal(950000)
    buffalo.save(update_fields=["price_amount"])

    with pytest.raises(PriceChanged) as error:
        order_place(cart=cart, payment_method="cod", expected_total_amount=Decimal(900000))

    assert "950000" in error.value.detail
    assert not Order.objects.exists()
    assert reserved(buffalo) == 1


@pytest.mark.django_db
def test_the_guest_cart_joins_the_account_cart_at_login(shop):
    web, _warehouse, _showroom, buffalo, spice = shop
    user = StaffFactory(is_staff=False)
    account_cart = cart_get_or_create(user=user, channel=web)
    cart_line_set(cart=account_cart, variant_id=spice.pk, quantity=1)
    guest = cart_get_or_create(channel=web)
    cart_line_set(cart=guest, variant_id=spice.pk, quantity=3)
    cart_line_set(cart=guest, variant_id=buffalo.pk, quantity=1)

    merged = cart_merge(guest_cart=guest, user=user)

    assert merged.pk == account_cart.pk
    assert dict(merged.lines.values_list("variant__sku", "quantity")) == {
        "MK-100G": 3,
        "TT-1KG": 1,
    }
    assert Cart.objects.get(pk=guest.pk).status == Cart.Status.MERGED


@pytest.mark.django_db
@pytest.mark.parametrize("line_count", [1, 10])
def test_placing_an_order_stays_under_29_queries_whatever_the_lines(
    shop, line_count, django_assert_max_num_queries
):
    web, warehouse, *_ = shop
    cart = cart_get_or_create(channel=web)
    for _ in range(line_count):
        variant = VariantFactory(price_amount=Decimal(10000))
        stocked(variant, warehouse, 5)
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    cart = checkout_start(cart=cart, contact_phone="0909908089", shipping_address=ADDRESS)

    # 29: the sales rollups add four upserts (day and month, per channel and per product),
    # one read of the customer's orders (their milestones) and, on PostgreSQL, the lock of
    # the customer's row before it, whatever the lines.
    with django_assert_max_num_queries(29):
        order = order_place(cart=cart, payment_method="cod")

    assert order.lines.count() == line_count


@pytest.mark.django_db
def test_a_product_no_longer_sold_can_still_be_taken_out_of_the_cart(shop):
    web, _warehouse, _showroom, _buffalo, spice = shop
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=spice.pk, quantity=1)
    spice.is_active = False
    spice.save(update_fields=["is_active"])

    cart_line_set(cart=cart, variant_id=spice.pk, quantity=0)

    assert not cart.lines.exists()
