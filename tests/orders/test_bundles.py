"""Combos: priced at web checkout and at the till, shared over their lines, the combo link."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.utils import timezone, translation
from rest_framework.test import APIClient

from inventory.models import StockLevel
from orders.models import Bundle, BundleItem, Cart, CartLine, Order, Return
from orders.selectors import bundle_for_variants, bundle_link_path
from orders.services import ReturnLineInput, order_return
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    LocationFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    stocked,
    terminal_with_token,
)

ADDRESS = {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"}


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(db):
    """Hoa Ban Food's combo: three products worth 1,479,000 đ together for 1,350,000 đ."""
    buffalo = VariantFactory(sku="TT-500G", price_amount=Decimal(650000))
    sausage = VariantFactory(sku="LX-500G", price_amount=Decimal(480000))
    shoots = VariantFactory(sku="MC-500G", price_amount=Decimal(349000))
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    bundle = Bundle.objects.create(name="Tây Bắc", slug="tay-bac", price_amount=Decimal(1350000))
    for variant in (buffalo, sausage, shoots):
        BundleItem.objects.create(bundle=bundle, variant=variant, quantity=1)
    return bundle, buffalo, sausage, shoots, spice


@pytest.fixture
def web(catalog):
    warehouse = WarehouseFactory()
    channel = channel_selling_from(warehouse, kind="web", code="web")
    for variant in catalog[1:]:
        stocked(variant, warehouse, 5)
    return channel


@pytest.fixture
def till(catalog):
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel_selling_from(location, kind="pos", code="pos-hg")
    terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    for variant in catalog[1:]:
        stocked(variant, location, 5)
    return api, terminal, location


def web_order(channel, quantities, *, voucher_code=""):
    cart = cart_get_or_create(channel=channel)
    for variant, quantity in quantities:
        cart_line_set(cart=cart, variant_id=variant.pk, quantity=quantity)
    cart = checkout_start(
        cart=cart, contact_phone="0909908089", fulfilment="ship", shipping_address=ADDRESS
    )
    return order_place(cart=cart, payment_method="cod", voucher_code=voucher_code)


@pytest.mark.django_db
def test_the_whole_combo_at_web_checkout_costs_the_bundle_price_shared_over_its_lines(web, catalog):
    # given
    _bundle, buffalo, sausage, shoots, spice = catalog

    # when
    order = web_order(web, [(buffalo, 1), (sausage, 1), (shoots, 1), (spice, 1)])

    # then: 129,000 đ off, carried by the three lines in proportion, none by the spice
    assert order.subtotal_amount == Decimal(1564000)
    assert order.discount_amount == Decimal(129000)
    assert order.total_amount == Decimal(1435000)
    discounts = dict(order.lines.values_list("sku", "discount_amount"))
    assert discounts == {
        "TT-500G": Decimal(56694),
        "LX-500G": Decimal(41866),
        "MC-500G": Decimal(30440),
        "MK-100G": Decimal(0),
    }
    assert sum(discounts.values()) == Decimal(129000)


@pytest.mark.django_db
def test_part_of_a_combo_gets_no_combo_price(web, catalog):
    _bundle, buffalo, sausage, _shoots, _spice = catalog

    order = web_order(web, [(buffalo, 1), (sausage, 1)])

    assert (order.discount_amount, order.total_amount) == (Decimal(0), Decimal(1130000))


@pytest.mark.django_db
def test_an_ended_or_other_channel_combo_does_not_apply(web, catalog):
    bundle, buffalo, sausage, shoots, _spice = catalog
    bundle.ends_at = timezone.now()
    bundle.save()

    order = web_order(web, [(buffalo, 1), (sausage, 1), (shoots, 1)])

    assert order.discount_amount == Decimal(0)


@pytest.mark.django_db
def test_a_voucher_applies_to_what_is_left_after_the_combo(web, catalog):
    _bundle, buffalo, sausage, shoots, _spice = catalog
    VoucherFactory(code="TET10", kind="percentage", value=Decimal(10))

    order = web_order(web, [(buffalo, 1), (sausage, 1), (shoots, 1)], voucher_code="TET10")

    assert order.discount_amount == Decimal(129000 + 135000)
    assert order.total_amount == Decimal(1215000)
    assert sum(order.lines.values_list("discount_amount", flat=True)) == order.discount_amount


@pytest.mark.django_db
def test_the_till_sells_the_combo_and_a_return_refunds_what_the_line_cost(till, catalog):
    # given
    api, _terminal, location = till

    # when
    response = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": sku, "quantity": 1} for sku in ("TT-500G", "LX-500G", "MC-500G")],
            "payments": [{"method": "cash", "amount": "1350000"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.total_amount == Decimal(1350000)
    line = order.lines.get(sku="TT-500G")
    record, _created = order_return(
        order=order,
        location=location,
        lines=[ReturnLineInput(order_line_id=line.pk, quantity=1)],
        reason="changed mind",
        refund_method="cash",
    )
    assert line.discount_amount == Decimal(56694)
    assert record.refund_amount == Decimal(650000 - 56694)


@pytest.mark.django_db
def test_a_till_paying_the_full_price_for_a_combo_is_told_the_total_and_nothing_is_written(
    till, catalog
):
    api, _terminal, _location = till

    response = api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": sku, "quantity": 1} for sku in ("TT-500G", "LX-500G", "MC-500G")],
            "payments": [{"method": "cash", "amount": "1479000"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert "1350000" in response.json()["detail"]
    assert not Order.objects.exists()
    assert not Return.objects.exists()


# --- the combo link and the flows' selector -------------------------------------------------


@pytest.mark.django_db
def test_the_combo_link_shows_the_set_and_fills_the_cart(client, web, catalog):
    # given
    bundle, buffalo, sausage, shoots, _spice = catalog
    path = bundle_link_path(bundle=bundle)
    assert path.startswith("/combo/")

    # when
    shown = client.get(path)
    added = client.post(path)

    # then
    assert shown.status_code == 200
    assert "Tây Bắc" in shown.content.decode()
    assert added.status_code == 302
    cart = Cart.objects.get()
    assert dict(cart.lines.values_list("variant_id", "quantity")) == {
        buffalo.pk: 1,
        sausage.pk: 1,
        shoots.pk: 1,
    }


@pytest.mark.django_db
def test_a_tampered_combo_link_is_a_400_page_and_writes_nothing(client, web, catalog):
    bundle = catalog[0]
    path = bundle_link_path(bundle=bundle)

    response = client.post(path[:-3] + "zz/")

    assert response.status_code == 400
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_a_combo_short_of_stock_adds_nothing(client, web, catalog):
    # given: the shoots are sold out
    bundle, _buffalo, _sausage, shoots, _spice = catalog
    StockLevel.objects.filter(variant=shoots).update(on_hand=0)

    # when
    response = client.post(bundle_link_path(bundle=bundle))

    # then
    assert response.status_code == 409
    assert not CartLine.objects.exists()


@pytest.mark.django_db
def test_bundle_for_variants_finds_the_active_combo_holding_most_of_them(catalog):
    # given
    bundle, buffalo, sausage, _shoots, spice = catalog
    other = Bundle.objects.create(name="Gia vị", slug="gia-vi", price_amount=Decimal(100000))
    BundleItem.objects.create(bundle=other, variant=spice, quantity=2)
    BundleItem.objects.create(bundle=other, variant=buffalo, quantity=1)
    ended = Bundle.objects.create(name="Cũ", slug="cu", price_amount=Decimal(1000), is_active=False)
    BundleItem.objects.create(bundle=ended, variant=sausage, quantity=1)

    # then
    assert bundle_for_variants(variant_ids=[buffalo.pk, sausage.pk]) == bundle
    assert bundle_for_variants(variant_ids=[spice.pk]) == other
    assert bundle_for_variants(variant_ids=[VariantFactory().pk]) is None
    assert bundle_for_variants(variant_ids=[]) is None


def test_the_bundle_admin_action_declares_its_permission():
    admin = site._registry[Bundle]
    assert admin.get_action("deactivate")[0].allowed_permissions == ["change"]
