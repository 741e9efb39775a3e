"""First-order vouchers: refused for a returning customer in any channel, at web and till."""

import uuid
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from orders.exceptions import VoucherCodeNotYours, VoucherFirstOrderOnly
from orders.models import Order, VoucherCode, VoucherRedemption
from orders.services import voucher_first_order_code_issue
from orders.services.checkout import cart_get_or_create, cart_line_set, checkout_start, order_place
from tests.factories import (
    CustomerFactory,
    LocationFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    order_minimal,
    stocked,
    terminal_with_token,
)

ADDRESS = {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"}


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def web(db):
    warehouse = WarehouseFactory()
    channel = channel_selling_from(warehouse, kind="web", code="web")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    stocked(buffalo, warehouse, 5)
    return channel, buffalo


@pytest.fixture
def till(db):
    location = LocationFactory(name="Showroom Hàng Giấy")
    channel = channel_selling_from(location, kind="pos", code="pos-hg")
    _terminal, token = terminal_with_token(location=location)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    jar = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(jar, location, 5)
    return api, channel


def web_checkout(channel, variant, *, phone, voucher_code):
    cart = cart_get_or_create(channel=channel)
    cart_line_set(cart=cart, variant_id=variant.pk, quantity=1)
    cart = checkout_start(
        cart=cart, contact_phone=phone, fulfilment="ship", shipping_address=ADDRESS
    )
    return order_place(cart=cart, payment_method="cod", voucher_code=voucher_code)


def pos_sale(api, *, customer, voucher_code, amount="35000"):
    return api.post(
        "/api/v1/pos/sales/",
        {
            "client_uuid": str(uuid.uuid4()),
            "lines": [{"sku": "MK-100G", "quantity": 1}],
            "payments": [{"method": "cash", "amount": amount}],
            "customer_id": customer.pk if customer else None,
            "voucher_code": voucher_code,
        },
        format="json",
    )


@pytest.mark.django_db
def test_a_new_shopper_typing_a_phone_at_web_checkout_gets_the_first_order_voucher(web):
    # given
    channel, buffalo = web
    VoucherFactory(code="CHAO50", value=Decimal(50000), first_order_only=True)

    # when
    order = web_checkout(channel, buffalo, phone="0909908089", voucher_code="chao50")

    # then
    assert (order.voucher_code, order.discount_amount) == ("CHAO50", Decimal(50000))
    assert order.total_amount == Decimal(850000)


@pytest.mark.django_db
def test_a_shopper_who_bought_at_the_till_is_refused_at_web_checkout_and_nothing_is_written(web):
    # given: the phone's customer already bought in a store (any channel counts)
    channel, buffalo = web
    voucher = VoucherFactory(code="CHAO50", first_order_only=True)
    customer = customer_with(phone="+84909908089")
    pos = channel_selling_from(LocationFactory(), kind="pos", code="pos-x")
    order_minimal(channel=pos, customer=customer, status=Order.Status.COMPLETED)

    # when
    with pytest.raises(VoucherFirstOrderOnly) as error:
        web_checkout(channel, buffalo, phone="0909 908 089", voucher_code="CHAO50")

    # then
    assert error.value.code == "voucher_first_order_only"
    assert error.value.fields == {"voucher_code": [str(error.value.detail)]}
    assert Order.objects.count() == 1
    voucher.refresh_from_db()
    assert voucher.used_count == 0
    assert not VoucherRedemption.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_earlier_order_does_not_count(web):
    channel, buffalo = web
    VoucherFactory(code="CHAO50", first_order_only=True)
    customer = customer_with(phone="+84909908089")
    order_minimal(channel=channel, customer=customer, status=Order.Status.CANCELLED)

    order = web_checkout(channel, buffalo, phone="0909908089", voucher_code="CHAO50")

    assert order.voucher_code == "CHAO50"


@pytest.mark.django_db
def test_the_till_refuses_the_voucher_for_a_customer_found_by_phone_who_ordered_on_the_web(
    till, web
):
    # given
    api, _pos = till
    web_channel, _buffalo = web
    voucher = VoucherFactory(code="CHAO30", value=Decimal(50000), first_order_only=True)
    customer = customer_with(phone="+84909908089")
    order_minimal(channel=web_channel, customer=customer, status=Order.Status.CONFIRMED)

    # when
    response = pos_sale(api, customer=customer, voucher_code="CHAO30")

    # then
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "voucher_first_order_only"
    assert list(response.json()["fields"]) == ["voucher_code"]
    assert Order.objects.count() == 1
    voucher.refresh_from_db()
    assert voucher.used_count == 0


@pytest.mark.django_db
def test_the_till_redeems_a_first_order_code_issued_to_a_new_customer(till):
    # given
    api, _pos = till
    voucher = VoucherFactory(code=None, value=Decimal(50000), first_order_only=True)
    customer = CustomerFactory()
    code = voucher_first_order_code_issue(customer=customer, voucher=voucher)

    # when
    response = pos_sale(api, customer=customer, voucher_code=code.code.lower())

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["total_amount"] == "35000"
    code.refresh_from_db()
    assert code.used_at is not None


@pytest.mark.django_db
def test_the_till_refuses_a_first_order_voucher_without_a_customer(till):
    api, _pos = till
    VoucherFactory(code="CHAO30", first_order_only=True)

    response = pos_sale(api, customer=None, voucher_code="CHAO30")

    assert response.status_code == 400
    assert response.json()["code"] == "voucher_first_order_only"
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_code_bound_to_the_customer(db):
    # given
    voucher = VoucherFactory(code=None, first_order_only=True)
    customer, other = CustomerFactory(), CustomerFactory()

    # when
    first = voucher_first_order_code_issue(customer=customer, voucher=voucher)
    again = voucher_first_order_code_issue(customer=customer, voucher=voucher)
    theirs = voucher_first_order_code_issue(customer=other, voucher=voucher)

    # then
    assert first == again
    assert first.customer == customer
    assert theirs != first
    assert VoucherCode.objects.filter(voucher=voucher).count() == 2


@pytest.mark.django_db
def test_a_code_issued_to_someone_else_is_refused_and_nothing_is_written(till):
    api, _pos = till
    voucher = VoucherFactory(code=None, first_order_only=True)
    code = voucher_first_order_code_issue(customer=CustomerFactory(), voucher=voucher)

    response = pos_sale(api, customer=CustomerFactory(), voucher_code=code.code)

    assert response.status_code == 400
    assert response.json()["code"] == VoucherCodeNotYours.code
    assert not Order.objects.exists()
    code.refresh_from_db()
    assert code.used_at is None
