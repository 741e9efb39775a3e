"""Phone and chat orders (issue 14): staff enter the order on the "Phone order" screen; it is
placed the way the web's checkout places one, and refused the same way."""

from decimal import Decimal

import pytest
from django.conf import settings

from config.roles import CASHIER, MARKETER, WAREHOUSE
from customers.models import ContactPoint, Customer, Event
from inventory.models import Reservation, StockLevel
from orders.exceptions import CartQuantityUnavailable, VoucherInvalid
from orders.models import Cart, Order, Payment
from orders.services.phone import PhoneChannelMissing, PhoneLine, phone_order_place
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
)

pytestmark = pytest.mark.django_db

URL = "/admin/orders/phone-order/"
ADDRESS = {"line1": "25 Hàng Giấy", "city": "Hà Nội"}


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    store = LocationFactory(name="Hoa Ban Hàng Giấy", accepts_pickup=True)
    phone = channel_selling_from(warehouse, store, kind="phone", code="phone")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(buffalo, warehouse, 2)
    stocked(spice, store, 10)
    return {"phone": phone, "store": store, "buffalo": buffalo, "spice": spice}


def form(**overrides):
    return {
        "phone": "0909 908 089",
        "full_name": "Chị Hoa",
        "lines": "tt-1kg 1\nMK-100G 2",
        "fulfilment": "ship",
        "payment_method": "cod",
        **ADDRESS,
        **overrides,
    }


def nothing_written():
    assert not Order.objects.exists()
    assert not Cart.objects.exists()
    assert not Reservation.objects.exists()
    assert not Customer.objects.exists()
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_staff_take_an_order_on_the_phone_for_a_new_customer(client, shop):
    # given: a cashier of the store
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    # when: she types the caller's phone, two lines by SKU (any case) and an address
    response = client.post(URL, form())

    # then: the order is placed on the phone channel, its stock allocated like the web's
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    assert (order.channel, order.status, order.fulfilment) == (shop["phone"], "confirmed", "ship")
    assert order.total_amount == Decimal(1_070_000)
    assert order.shipping_address == ADDRESS
    assert order.payments.get().method == Payment.Method.COD
    assert sorted(order.lines.values_list("sku", "quantity")) == [("MK-100G", 2), ("TT-1KG", 1)]
    # one profile for the phone, with the order on its timeline
    contact = ContactPoint.objects.get(kind="phone", value="+84909908089")
    assert order.customer == contact.customer
    assert order.customer.full_name == "Chị Hoa"
    assert list(
        Event.objects.filter(customer=order.customer).values_list("kind", "payload__channel_kind")
    ) == [("order_placed", "phone")]
    assert Reservation.objects.filter(reference=f"order:{order.number}").count() == 2
    assert StockLevel.objects.get(variant=shop["buffalo"]).reserved == 1


def test_a_known_phone_lands_on_its_profile(shop):
    # given: Hoa bought before; her phone is on her profile
    hoa = customer_with(phone="+84909908089", full_name="Hoa")

    # when
    order = phone_order_place(
        phone="+84 909 908 089",
        full_name="Hoa",
        lines=[PhoneLine(sku="MK-100G", quantity=1)],
        fulfilment="pickup",
        pickup_location=shop["store"],
        payment_method="bank_transfer",
    )

    # then
    assert order.customer == hoa
    assert Customer.objects.count() == 1
    assert (order.fulfilment, order.location, order.status) == (
        "pickup",
        shop["store"],
        "pending_payment",
    )


def test_out_of_stock_is_the_webs_only_n_left_on_the_form_and_nothing_is_written(client, shop):
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    response = client.post(URL, form(lines="TT-1KG 3"))

    assert response.status_code == 400
    assert "Only 2 of" in response.content.decode()
    assert "left." in response.content.decode()
    nothing_written()


def test_the_service_refuses_a_short_shelf_like_the_web(shop):
    with pytest.raises(CartQuantityUnavailable) as refused:
        phone_order_place(
            phone="0909908089",
            full_name="Hoa",
            lines=[PhoneLine(sku="TT-1KG", quantity=5)],
            fulfilment="ship",
            payment_method="cod",
            shipping_address=ADDRESS,
        )

    assert refused.value.fields == {"quantity": ["2 left."]}
    nothing_written()


def test_an_unknown_sku_and_a_bad_line_are_named_and_nothing_is_written(client, shop):
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    unknown = client.post(URL, form(lines="NOPE-1 1"))
    garbled = client.post(URL, form(lines="TT-1KG two"))

    assert unknown.status_code == garbled.status_code == 400
    assert "Unknown SKU: NOPE-1." in unknown.content.decode()
    assert "Line 1: write the SKU, a space and a quantity of at least 1." in (
        garbled.content.decode()
    )
    nothing_written()


def test_a_voucher_that_does_not_apply_is_refused_and_nothing_is_written(shop):
    with pytest.raises(VoucherInvalid):
        phone_order_place(
            phone="0909908089",
            full_name="Hoa",
            lines=[PhoneLine(sku="MK-100G", quantity=1)],
            fulfilment="ship",
            payment_method="cod",
            shipping_address=ADDRESS,
            voucher_code="KHONGCO",
        )

    nothing_written()


def test_a_delivery_without_an_address_is_refused_on_its_field(client, shop):
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    response = client.post(URL, form(line1="", city=""))

    assert response.status_code == 400
    assert "Give the street address and the city." in response.content.decode()
    nothing_written()


def test_card_payment_is_not_offered_on_the_phone(shop):
    with pytest.raises(Exception) as refused:
        phone_order_place(
            phone="0909908089",
            full_name="Hoa",
            lines=[PhoneLine(sku="MK-100G", quantity=1)],
            fulfilment="ship",
            payment_method="card",
            shipping_address=ADDRESS,
        )

    assert "payment_method" in refused.value.fields
    nothing_written()


def test_without_a_phone_channel_staff_are_told_who_can_add_one(db):
    with pytest.raises(PhoneChannelMissing):
        phone_order_place(
            phone="0909908089",
            full_name="Hoa",
            lines=[PhoneLine(sku="MK-100G", quantity=1)],
            fulfilment="ship",
            payment_method="cod",
            shipping_address=ADDRESS,
        )


@pytest.mark.parametrize("role", [WAREHOUSE, MARKETER])
def test_staff_who_may_not_add_orders_get_a_403_and_write_nothing(client, shop, role):
    client.force_login(StaffFactory(role=role, stores=[shop["store"]]))

    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    nothing_written()


def test_the_pick_up_stores_offered_are_the_staff_members_own(client, shop):
    other = LocationFactory(name="Hoa Ban Quận 1", accepts_pickup=True)
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    page = client.get(URL).content.decode()

    assert "Hoa Ban Hàng Giấy" in page
    assert other.name not in page


def test_the_order_list_leads_to_the_phone_order_screen(client, shop):
    client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))

    page = client.get("/admin/orders/order/").content.decode()

    assert f'href="{URL}"' in page
