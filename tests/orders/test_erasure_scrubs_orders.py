"""Erasure also blanks the personal data kept on orders and carts; the books stay whole."""

import uuid
from decimal import Decimal

import pytest

from customers.services import customer_erase, customer_merge
from orders.models import Cart, Order
from orders.services import pos_sale_submit
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from orders.services.placing import LineInput, TenderInput
from tests.factories import (
    LocationFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
    terminal_with_token,
)

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"}
PERSONAL = ("contact_name", "contact_email", "contact_phone", "shipping_address")


@pytest.fixture
def shop():
    warehouse = WarehouseFactory()
    showroom = LocationFactory()
    web = channel_selling_from(warehouse, kind="web", code="web")
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 5)
    stocked(buffalo, showroom, 5)
    return web, showroom, buffalo


def _web_order(web, buffalo, *, phone, email="", name="Chị Lan"):
    cart = cart_get_or_create(channel=web)
    cart_line_set(cart=cart, variant_id=buffalo.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_name=name, contact_phone=phone, contact_email=email,
        shipping_address=ADDRESS,
    )  # fmt: skip
    return order_place(cart=cart, payment_method="cod")


def _books(queryset):
    return list(
        queryset.order_by("pk").values_list(
            "pk", "number", "subtotal_amount", "discount_amount", "total_amount", "status"
        )
    )


def test_erasure_blanks_names_contacts_and_addresses_on_orders_and_carts(shop):
    # given: a web order, an open cart and a POS sale with a note, all the shopper's
    web, showroom, buffalo = shop
    order = _web_order(web, buffalo, phone="0909 908 089", email="lan@example.vn")
    customer = order.customer
    open_cart = cart_get_or_create(channel=web)
    cart_line_set(cart=open_cart, variant_id=buffalo.pk, quantity=1)
    checkout_start(
        cart=open_cart, contact_name="Chị Lan", contact_phone="0909908089",
        shipping_address=ADDRESS,
    )  # fmt: skip
    terminal, _token = terminal_with_token(location=showroom)
    sale, _created = pos_sale_submit(
        terminal=terminal,
        client_uuid=uuid.uuid4(),
        customer=customer,
        lines=[LineInput(sku="TT-1KG", quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(900000))],
        note="Giao cho chị Lan, 0909 908 089",
    )
    someone_else = _web_order(web, buffalo, phone="0912 345 678", name="Anh Toản")
    books_before = _books(Order.objects.all())

    # when
    customer_erase(customer=customer)

    # then: nothing personal left on any of her orders or carts
    for row in [*Order.objects.filter(customer=customer), *Cart.objects.filter(customer=customer)]:
        assert [getattr(row, name) for name in PERSONAL] == ["", "", "", {}]
    assert Order.objects.get(pk=sale.pk).note == ""
    assert Cart.objects.filter(customer=customer).count() == 2
    assert Order.objects.filter(customer=customer).count() == 2
    # the books are whole, the other shopper untouched
    assert _books(Order.objects.all()) == books_before
    someone_else.refresh_from_db()
    assert (someone_else.contact_name, someone_else.contact_phone) == ("Anh Toản", "+84912345678")
    assert someone_else.shipping_address == ADDRESS


def test_erasure_reaches_a_merged_away_profiles_orders_and_orders_typed_with_her_phone(shop):
    # given: an order of a profile merged into hers, and another login's order that typed
    # her phone for the delivery
    web, _showroom, _buffalo = shop
    customer = customer_with(phone="+84909908089", email="lan@example.vn")
    old = customer_with(email="lan.old@example.vn")
    old_order = order_minimal(
        channel=web, customer=old, contact_name="Lan", contact_email="lan.old@example.vn",
        shipping_address=ADDRESS,
    )  # fmt: skip
    customer_merge(target=customer, source=old)
    typed = order_minimal(
        channel=web, customer=customer_with(email="a@example.vn"), contact_name="Chị Lan",
        contact_phone="+84909908089", shipping_address=ADDRESS,
    )  # fmt: skip

    # when
    customer_erase(customer=customer)

    # then
    for row in (old_order, typed):
        row.refresh_from_db()
        assert [getattr(row, name) for name in PERSONAL] == ["", "", "", {}]
        assert row.total_amount == Decimal(500000)
