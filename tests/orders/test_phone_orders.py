"""Phone and chat orders (issue 14): staff enter the order on the "Phone order" screen; it is
placed the way the web's checkout places one, and refused the same way; the same form sent
twice places one order."""

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from config.roles import CASHIER, MARKETER, WAREHOUSE
from customers.models import ContactPoint, Customer, Event
from inventory.models import Reservation, StockLevel, StockMovement
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


@pytest.fixture
def cashier(shop):
    return StaffFactory(role=CASHIER, stores=[shop["store"]])


@pytest.fixture
def cashier_client(client, cashier):
    client.force_login(cashier)
    return client


def form(client, **overrides):
    """The phone order form as the screen hands it out (with its one-time id), filled in."""
    page = client.get(URL)
    assert page.status_code == 200
    return {
        "submission": page.context["form"]["submission"].value(),
        "phone": "0909 908 089",
        "full_name": "Chị Hoa",
        "lines": "tt-1kg 1\nMK-100G 2",
        "fulfilment": "ship",
        "payment_method": "cod",
        **ADDRESS,
        **overrides,
    }


def submit(client, **overrides):
    return client.post(URL, form(client, **overrides))


def nothing_written():
    assert not Order.objects.exists()
    assert not Cart.objects.exists()
    assert not Reservation.objects.exists()
    assert not Customer.objects.exists()
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0


def test_staff_take_an_order_on_the_phone_for_a_new_customer(cashier_client, shop):
    # given: a cashier of the store (cashier_client)
    # when: she types the caller's phone, two lines by SKU (any case) and an address
    response = submit(cashier_client)

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


def test_out_of_stock_is_the_webs_only_n_left_on_the_form_and_nothing_is_written(
    cashier_client, shop
):
    response = submit(cashier_client, lines="TT-1KG 3")

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


def test_an_unknown_sku_and_a_bad_line_are_named_and_nothing_is_written(cashier_client, shop):
    unknown = submit(cashier_client, lines="NOPE-1 1")
    garbled = submit(cashier_client, lines="TT-1KG two")

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


def test_a_delivery_without_an_address_is_refused_on_its_field(cashier_client, shop):
    response = submit(cashier_client, line1="", city="")

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
    # given: a form a cashier was handed, posted by someone who may not add orders
    cashier_client = Client()
    cashier_client.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))
    filled = form(cashier_client)
    client.force_login(StaffFactory(role=role, stores=[shop["store"]]))

    assert client.get(URL).status_code == 403
    assert client.post(URL, filled).status_code == 403
    nothing_written()


def test_the_pick_up_stores_offered_are_the_staff_members_own(cashier_client, shop):
    other = LocationFactory(name="Hoa Ban Quận 1", accepts_pickup=True)

    page = cashier_client.get(URL).content.decode()

    assert "Hoa Ban Hàng Giấy" in page
    assert other.name not in page


def test_the_order_list_leads_to_the_phone_order_screen(cashier_client, shop):
    page = cashier_client.get("/admin/orders/order/").content.decode()

    assert f'href="{URL}"' in page


# --- The same form sent twice -------------------------------------------------------------------


def one_order_placed(shop) -> Order:
    """Exactly one order, with one cart, one customer, one stock hold, one timeline event."""
    order = Order.objects.get()
    assert Cart.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Event.objects.filter(kind="order_placed").count() == 1
    assert sorted(Reservation.objects.values_list("reference", "quantity")) == [
        (f"order:{order.number}", 1),
        (f"order:{order.number}", 2),
    ]
    assert StockLevel.objects.get(variant=shop["buffalo"]).reserved == 1
    assert StockLevel.objects.get(variant=shop["spice"]).reserved == 2
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {"receipt"}
    return order


def test_the_same_form_sent_twice_places_one_order_and_lands_on_it(cashier_client, shop):
    # given: the form filled in once
    filled = form(cashier_client)

    # when: it is sent twice (a double click, or the browser's "send again")
    first = cashier_client.post(URL, filled)
    second = cashier_client.post(URL, filled, follow=True)

    # then: one order; the second lands on its page and says so
    order = one_order_placed(shop)
    assert first["Location"] == f"/admin/orders/order/{order.pk}/change/"
    assert second.redirect_chain == [(f"/admin/orders/order/{order.pk}/change/", 302)]
    assert f"This form was already sent: it placed order {order.number}" in (
        second.content.decode()
    )
    assert order.client_uuid is not None


def test_a_new_form_places_a_new_order(cashier_client, shop):
    submit(cashier_client, lines="MK-100G 1")
    submit(cashier_client, lines="MK-100G 1")

    assert Order.objects.count() == 2


def test_a_refused_form_corrected_and_sent_again_places_its_order_once(cashier_client, shop):
    # given: a form refused for a short shelf; it comes back with its one-time id
    filled = form(cashier_client, lines="TT-1KG 3")
    refused = cashier_client.post(URL, filled)
    assert refused.status_code == 400
    assert refused.context["form"]["submission"].value() == filled["submission"]

    # when: corrected and sent, twice
    corrected = {**filled, "lines": "tt-1kg 1\nMK-100G 2"}
    cashier_client.post(URL, corrected)
    cashier_client.post(URL, corrected)

    # then
    one_order_placed(shop)


@pytest.mark.parametrize("token", ["", "0b3d5c1e8c7a4f7e9b1f2a3c4d5e6f70", "forged:abc"])
def test_a_form_without_a_valid_one_time_id_is_refused_and_writes_nothing(
    cashier_client, shop, token
):
    response = cashier_client.post(URL, form(cashier_client, submission=token))

    assert response.status_code == 400
    assert "This form is out of date: reload the page" in response.content.decode()
    nothing_written()


def test_another_staff_members_form_id_is_refused(cashier_client, shop):
    # given: a form handed to another cashier (the id is signed for the one it was given to)
    other = Client()
    other.force_login(StaffFactory(role=CASHIER, stores=[shop["store"]]))
    theirs = form(other)

    response = cashier_client.post(URL, theirs)

    assert response.status_code == 400
    nothing_written()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_places_one_order(shop, cashier):
    # given: the form filled in, and two browsers' worth of the same staff member
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(cashier)
        each.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    filled = form(clients[0])
    statuses, barrier = [], threading.Barrier(2)

    def send(each):
        barrier.wait()
        try:
            statuses.append(each.post(URL, filled).status_code)
        finally:
            connection.close()

    # when: both send it at the same moment
    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: both land on the one order
    assert statuses == [302, 302]
    one_order_placed(shop)
