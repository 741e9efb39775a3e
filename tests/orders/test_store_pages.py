"""The web store's cart, checkout, order status and order history pages (Django test client)."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import signing
from django.utils import timezone

from customers.models import ContactPoint, Event
from customers.services import loyalty_earn
from inventory.models import Reservation, StockLevel
from inventory.services import reservation_expire_due
from orders.models import Cart, CartLine, Order, Payment
from orders.payments import DECLINED_TEST_CARD
from orders.services import order_payment_card, order_ready_for_pickup, pos_sale_submit
from orders.services.placing import LineInput, TenderInput
from orders.statuses import OrderStatus
from orders.views import order_status_url
from tests.factories import (
    LocationFactory,
    StaffFactory,
    VariantFactory,
    VoucherFactory,
    WarehouseFactory,
    channel_selling_from,
    customer_with,
    stocked,
    terminal_with_token,
)

# Thành phố Hà Nội (01), Phường Hoàn Kiếm (00070): the 2025 units.
ADDRESS = {"line1": "25 Hàng Giấy", "province_code": "01", "ward_code": "00070"}


@pytest.fixture
def client(client):
    # Assertions read the English wording; the store is Vietnamese by default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def shop():
    warehouse = WarehouseFactory(name="Kho Long Biên")
    showroom = LocationFactory(name="Showroom Hàng Giấy", accepts_pickup=True)
    empty_store = LocationFactory(name="Cửa hàng Quận 1", accepts_pickup=True)
    web = channel_selling_from(warehouse, showroom, empty_store, kind="web", code="web")
    buffalo = VariantFactory(sku="TT-1KG", price_amount=Decimal(900000))
    spice = VariantFactory(sku="MK-100G", price_amount=Decimal(85000))
    stocked(buffalo, warehouse, 3)
    stocked(spice, showroom, 10)
    return web, warehouse, showroom, empty_store, buffalo, spice


def add(client, variant, quantity=1):
    client.post("/cart/add/", {"variant_id": variant.pk, "quantity": quantity})


def contact(**overrides):
    return {
        "contact_name": "Anh Toản",
        "contact_phone": "0909 908 089",
        "contact_email": "",
        "fulfilment": "ship",
        **ADDRESS,
        **overrides,
    }


def text(response) -> str:
    return response.content.decode()


def nothing_written():
    assert not Reservation.objects.exists()
    assert not Order.objects.exists()
    assert not Event.objects.exists()
    assert not ContactPoint.objects.exists()


# --- Cart -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cart_lists_lines_with_prices_and_totals_and_links_to_checkout(client, shop):
    *_, buffalo, spice = shop
    add(client, buffalo, 2)
    add(client, spice, 1)

    response = client.get("/cart/")

    page = text(response)
    assert response.status_code == 200
    assert "₫1,800,000" in page  # 2 x 900,000
    assert "₫85,000" in page
    assert "₫1,885,000" in page
    assert 'href="/checkout/"' in page
    assert '<span class="cart-count">3</span>' in page
    assert 'href="/cart/"' in page  # the header links here


@pytest.mark.django_db
def test_add_to_cart_without_next_lands_on_the_cart(client, shop):
    *_, spice = shop

    response = client.post("/cart/add/", {"variant_id": spice.pk, "quantity": 1})

    assert response["Location"] == "/cart/"


@pytest.mark.django_db
def test_an_empty_cart_says_so(client, shop):
    response = client.get("/cart/")

    assert response.status_code == 200
    assert "Your cart is empty." in text(response)
    assert not Cart.objects.exists()


@pytest.mark.django_db
def test_changing_and_removing_a_line(client, shop):
    *_, buffalo, spice = shop
    add(client, buffalo)
    add(client, spice)

    client.post("/cart/update/", {"variant_id": buffalo.pk, "quantity": 3, "next": "/cart/"})
    response = client.post(
        "/cart/update/", {"variant_id": spice.pk, "quantity": 0, "next": "/cart/"}, follow=True
    )

    assert dict(CartLine.objects.values_list("variant__sku", "quantity")) == {"TT-1KG": 3}
    assert "Removed from your cart." in text(response)


@pytest.mark.django_db
def test_asking_for_more_than_is_left_says_only_n_left_and_keeps_the_line(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo, 1)

    response = client.post(
        "/cart/update/", {"variant_id": buffalo.pk, "quantity": 5, "next": "/cart/"}, follow=True
    )

    assert "Only 3 of" in text(response)
    assert CartLine.objects.get().quantity == 1


@pytest.mark.django_db
def test_a_bad_quantity_is_a_message(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo, 1)

    response = client.post(
        "/cart/update/", {"variant_id": buffalo.pk, "quantity": "-2"}, follow=True
    )

    assert "Choose a quantity between 0 and 99." in text(response)
    assert CartLine.objects.get().quantity == 1


@pytest.mark.django_db
@pytest.mark.parametrize("line_count", [1, 10])
def test_the_cart_page_needs_the_same_few_queries_for_1_or_10_lines(
    client, shop, line_count, django_assert_max_num_queries
):
    _web, warehouse, *_ = shop
    for _ in range(line_count):
        variant = VariantFactory(price_amount=Decimal(10000))
        stocked(variant, warehouse, 5)
        add(client, variant)

    with django_assert_max_num_queries(8):
        response = client.get("/cart/")

    assert text(response).count('class="cart-line-total"') == line_count


# --- Checkout, step 1 -------------------------------------------------------------------


@pytest.mark.django_db
def test_checkout_of_an_empty_cart_is_refused_clearly_and_writes_nothing(client, shop):
    assert client.get("/checkout/").status_code == 200

    response = client.post("/checkout/", contact())

    assert response.status_code == 400
    assert "Your cart is empty; add something before checking out." in text(response)
    assert 'role="alert"' in text(response)
    nothing_written()


@pytest.mark.django_db
def test_an_invalid_phone_is_named_on_its_field_and_nothing_is_written(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(contact_phone="0909-abc"))

    page = text(response)
    assert response.status_code == 400
    assert 'id="id_contact_phone_error"' in page
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_contact_phone"', page)
    assert 'aria-describedby="id_contact_phone_helptext id_contact_phone_error"' in page
    nothing_written()
    assert Cart.objects.get().hold_reference == ""


@pytest.mark.django_db
def test_no_contact_at_all_asks_for_a_phone_or_an_email(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(contact_phone=""))

    assert "Give a phone number or an email so we can reach you." in text(response)
    nothing_written()


@pytest.mark.django_db
def test_a_missing_address_is_named(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(line1="", province_code=""))

    assert 'id="id_line1_error"' in text(response)
    assert "Give the house number and street." in text(response)
    assert 'id="id_province_code_error"' in text(response)
    assert "Choose the province or city." in text(response)
    nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"province_code": "99"}, "province_code", "Choose the province or city."),
        # Phường Bến Thành is a ward of Hồ Chí Minh City, not of Hà Nội
        (
            {"province_code": "01", "ward_code": "26743"},
            "ward_code",
            "Choose a ward or commune of Thành phố Hà Nội.",
        ),
        (
            {"province_code": "01", "ward_code": ""},
            "ward_code",
            "Choose a ward or commune of Thành phố Hà Nội.",
        ),
    ],
)
def test_a_province_or_ward_that_does_not_exist_there_is_a_form_error(
    client, shop, posted, field, message
):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(**posted))

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert f'id="id_{field}_error"' in text(response)
    nothing_written()


@pytest.mark.django_db
def test_the_delivery_address_is_kept_with_its_units_names(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(line2="Tầng 3"))

    assert response.status_code == 302
    cart = Cart.objects.get()
    assert cart.shipping_address == {
        "line1": "25 Hàng Giấy",
        "line2": "Tầng 3",
        "ward_code": "00070",
        "ward": "Phường Hoàn Kiếm",
        "province_code": "01",
        "province": "Thành phố Hà Nội",
    }
    page = text(client.get("/checkout/pay/"))
    assert "25 Hàng Giấy, Tầng 3, Phường Hoàn Kiếm, Thành phố Hà Nội" in page
    assert "Anh Toản · 0909 908 089" in page


@pytest.mark.django_db
def test_without_javascript_the_wards_of_the_chosen_province_are_listed(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post("/checkout/", contact(province_code="79", ward_code="", show_wards="1"))

    assert response.status_code == 200
    page = text(response)
    assert '<option value="26743">Phường Bến Thành</option>' in page
    assert '<option value="00167">' not in page
    assert 'value="Anh Toản"' in page
    assert response.context["form"].errors == {}
    nothing_written()


@pytest.mark.django_db
def test_only_stores_having_every_line_are_offered_for_pick_up(client, shop):
    _web, _warehouse, showroom, empty_store, _buffalo, spice = shop
    add(client, spice, 2)

    page = text(client.get("/checkout/"))

    assert "Showroom Hàng Giấy" in page
    assert empty_store.name not in page
    assert f'value="{showroom.pk}"' in page


@pytest.mark.django_db
def test_pick_up_at_a_store_without_the_goods_is_refused_and_writes_nothing(client, shop):
    _web, _warehouse, _showroom, empty_store, buffalo, _spice = shop
    add(client, buffalo)

    response = client.post(
        "/checkout/", contact(fulfilment="pickup", pickup_location=empty_store.pk)
    )

    assert response.status_code == 400
    assert "This store cannot hand over every item of your cart; choose another." in text(response)
    assert 'id="id_pickup_location_error"' in text(response)
    nothing_written()


@pytest.mark.django_db
def test_checkout_holds_the_stock_and_says_until_when_in_vietnam_time(client, shop, settings):
    *_, buffalo, _spice = shop
    settings.TIME_ZONE = "UTC"  # the shopper's time is Vietnam's whatever the server's
    add(client, buffalo, 2)

    response = client.post("/checkout/", contact())

    assert response["Location"] == "/checkout/pay/"
    cart = Cart.objects.get()
    assert StockLevel.objects.get(variant=buffalo).reserved == 2
    page = text(client.get("/checkout/pay/"))
    local = timezone.localtime(cart.hold_expires_at, timezone=timezone.get_fixed_timezone(7 * 60))
    assert f"We keep these items for you until {local:%H:%M}." in page
    assert "₫1,800,000" in page


# --- Checkout, step 2 -------------------------------------------------------------------


def start(client, variant, quantity=1, **overrides):
    add(client, variant, quantity)
    response = client.post("/checkout/", contact(**overrides))
    assert response.status_code == 302, text(response)


@pytest.mark.django_db
def test_paying_cash_on_delivery_places_the_order_and_shows_its_status(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    response = client.post(
        "/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "900000"}
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order_status_url(order)
    assert order.status == OrderStatus.CONFIRMED
    page = text(client.get(response["Location"]))
    assert order.number in page
    assert "Confirmed" in page
    assert "25 Hàng Giấy" in page
    assert "₫900,000" in page


@pytest.mark.django_db
def test_the_pay_page_needs_a_started_checkout(client, shop):
    response = client.get("/checkout/pay/")

    assert response["Location"] == "/checkout/"


@pytest.mark.django_db
def test_an_expired_hold_is_explained_and_no_order_is_written(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)
    # given: the shopper took longer than the hold and the beat job gave the stock back
    reservation_expire_due(now=timezone.now() + timedelta(minutes=settings.STOCK_HOLD_MINUTES + 1))

    response = client.post(
        "/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "900000"}
    )

    assert response.status_code == 400
    assert "The stock hold has expired; check out again." in text(response)
    assert 'role="alert"' in text(response)
    assert not Order.objects.exists()
    assert Cart.objects.get().status == Cart.Status.OPEN
    assert StockLevel.objects.get(variant=buffalo).reserved == 0


@pytest.mark.django_db
def test_a_bad_voucher_is_named_on_its_field_and_nothing_is_written(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)
    events_before = Event.objects.count()

    response = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "voucher_code": "NOPE", "expected_total_amount": "900000"},
    )

    assert response.status_code == 400
    assert 'id="id_voucher_code_error"' in text(response)
    assert "There is no voucher “NOPE”" in text(response)
    assert not Order.objects.exists()
    assert Event.objects.count() == events_before
    assert StockLevel.objects.get(variant=buffalo).reserved == 1  # the hold stays


@pytest.mark.django_db
def test_a_voucher_shows_the_new_total_first_then_places_at_that_total(client, shop):
    *_, buffalo, _spice = shop
    VoucherFactory(code="CHAOBAN", value=Decimal(100000))
    start(client, buffalo)

    shown = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "voucher_code": "chaoban", "expected_total_amount": "900000"},
    )
    assert "₫800,000" in text(shown)
    assert 'value="800000"' in text(shown)
    assert not Order.objects.exists()
    placed = client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "voucher_code": "chaoban", "expected_total_amount": "800000"},
    )

    assert placed.status_code == 302
    assert Order.objects.get().total_amount == Decimal(800000)


@pytest.mark.django_db
def test_a_bank_transfer_shows_the_vietqr_payload_and_the_bank(client, shop, settings):
    settings.VIETQR_BANK_BIN, settings.VIETQR_ACCOUNT_NUMBER = "970436", "0071000123456"
    settings.VIETQR_ACCOUNT_NAME = "CONG TY TIEM"
    *_, buffalo, _spice = shop
    start(client, buffalo)

    response = client.post(
        "/checkout/pay/",
        {"payment_method": "bank_transfer", "expected_total_amount": "900000"},
        follow=True,
    )

    payment = Payment.objects.get()
    page = text(response)
    assert payment.vietqr_payload in page
    assert "0071000123456" in page and "CONG TY TIEM" in page
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_a_card_approved_by_the_test_provider_confirms_the_order(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    client.post(
        "/checkout/pay/",
        {"payment_method": "card", "card_number": "4242 4242 4242 4242",
         "expected_total_amount": "900000"},
    )  # fmt: skip

    order = Order.objects.get()
    assert order.status == OrderStatus.CONFIRMED
    payment = order.payments.get()
    assert (payment.status, payment.provider_reference[:5]) == ("captured", "test_")


@pytest.mark.django_db
def test_a_declined_card_keeps_the_order_pending_and_tells_the_timeline(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    response = client.post(
        "/checkout/pay/",
        {"payment_method": "card", "card_number": DECLINED_TEST_CARD,
         "expected_total_amount": "900000"},
        follow=True,
    )  # fmt: skip

    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payments.get().status == Payment.Status.PENDING
    failed = Event.objects.get(kind=Event.Kind.PAYMENT_FAILED)
    assert (failed.customer, failed.payload["number"]) == (order.customer, order.number)
    assert "Your card was not charged" in text(response)


@pytest.mark.django_db
def test_a_card_needs_its_number(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    response = client.post(
        "/checkout/pay/", {"payment_method": "card", "expected_total_amount": "900000"}
    )

    assert 'id="id_card_number_error"' in text(response)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_card_number_is_never_written_back_into_the_page(client, shop):
    # given: a card payment sent with a total that is no longer right
    *_, buffalo, _spice = shop
    start(client, buffalo)

    # when
    response = client.post(
        "/checkout/pay/",
        {
            "payment_method": "card",
            "card_number": "4242 4242 4242 4242",
            "expected_total_amount": "1",
        },
    )

    # then: the page asks to confirm the new total, without the card number in it
    page = text(response)
    assert response.status_code == 400
    assert "4242" not in page
    assert '<input type="text" name="card_number"' in page
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_without_javascript_each_payment_methods_details_are_under_a_heading(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    page = text(client.get("/checkout/pay/"))

    assert page.count('<div class="pay-details" data-method="') == 3
    assert "<h3>Cash on delivery or at pick-up</h3>" in page
    assert "<h3>Bank transfer (VietQR)</h3>" in page
    assert "<h3>Card</h3>" in page
    assert '<script src="/static/tiem/payment.js" defer></script>' in page


@pytest.mark.django_db
def test_logged_in_shoppers_see_their_points_and_can_pay_with_them(client, shop):
    *_, buffalo, _spice = shop
    customer = customer_with(phone="+84909908089")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    loyalty_earn(customer=customer, reference="gift", amount=Decimal(5_000_000), note="")
    client.force_login(user)
    start(client, buffalo)

    page = text(client.get("/checkout/pay/"))
    assert "You have 500 points" in page
    client.post(
        "/checkout/pay/",
        {"payment_method": "cod", "points": 100, "expected_total_amount": "890000"},
    )

    order = Order.objects.get()
    assert (order.points_redeemed, order.total_amount) == (100, Decimal(890000))


@pytest.mark.django_db
def test_guests_are_not_offered_points(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)

    assert 'name="points"' not in text(client.get("/checkout/pay/"))


# --- Order status and history -----------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_or_unknown_order_link_is_a_clear_page_and_leaks_nothing(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)
    client.post("/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "900000"})
    order = Order.objects.get()
    url = order_status_url(order)
    assert client.get(url).status_code == 200  # the real link works (and shows the thanks)

    tampered = client.get(url[:-3] + "abc/")
    unsigned = client.get(f"/orders/{order.pk}/")
    missing = client.get(
        f"/orders/{signing.dumps(order.pk + 999, salt='order-status', compress=True)}/"
    )

    for response in (tampered, unsigned):
        assert response.status_code == 400
        assert "This order link is not valid" in text(response)
        assert order.number not in text(response)
    assert missing.status_code == 404


@pytest.mark.django_db
def test_an_expired_order_link_is_refused(client, shop, monkeypatch):
    *_, buffalo, _spice = shop
    start(client, buffalo)
    client.post("/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "900000"})
    url = order_status_url(Order.objects.get())
    monkeypatch.setattr("orders.views.orders.ORDER_STATUS_MAX_AGE", timedelta(seconds=-1))

    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_a_pick_up_order_shows_the_store_then_its_code_when_ready(client, shop):
    _web, _warehouse, showroom, _empty, _buffalo, spice = shop
    start(client, spice, 2, fulfilment="pickup", pickup_location=showroom.pk)
    client.post("/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "170000"})
    order = Order.objects.get()
    assert (order.fulfilment, order.location) == ("pickup", showroom)

    order = order_ready_for_pickup(order=order)

    page = text(client.get(order_status_url(order)))
    assert "Showroom Hàng Giấy" in page
    assert order.pickup_code in page


@pytest.mark.django_db
def test_order_history_needs_a_login(client, shop):
    response = client.get("/account/orders/")

    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


@pytest.mark.django_db
def test_order_history_lists_web_and_pos_orders_of_the_profile_newest_first(
    client, shop, django_assert_max_num_queries
):
    _web, _warehouse, showroom, _empty, buffalo, spice = shop
    channel_selling_from(showroom, kind="pos", code="pos-hg", name="POS Hàng Giấy")
    terminal, _token = terminal_with_token(location=showroom)
    customer = customer_with(phone="+84909908089")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    pos_order, _created = pos_sale_submit(
        terminal=terminal, client_uuid=uuid.uuid4(), customer=customer,
        lines=[LineInput(sku=spice.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
    )  # fmt: skip
    someone_else = customer_with(phone="+84911111111")
    pos_sale_submit(
        terminal=terminal, client_uuid=uuid.uuid4(), customer=someone_else,
        lines=[LineInput(sku=spice.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
    )  # fmt: skip
    client.force_login(user)
    start(client, buffalo)
    client.post("/checkout/pay/", {"payment_method": "cod", "expected_total_amount": "900000"})
    web_order = Order.objects.get(channel__kind="web")

    with django_assert_max_num_queries(10):
        response = client.get("/account/orders/")

    page = text(response)
    assert page.index(web_order.number) < page.index(pos_order.number)
    assert "POS Hàng Giấy" in page and "Showroom Hàng Giấy" in page
    assert order_status_url(pos_order) in page
    assert Order.objects.count() == 3
    assert page.count('class="order-card"') == 2


@pytest.mark.django_db
def test_the_status_page_of_a_pos_order_renders(client, shop):
    _web, _warehouse, showroom, _empty, _buffalo, spice = shop
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, _token = terminal_with_token(location=showroom)
    order, _created = pos_sale_submit(
        terminal=terminal, client_uuid=uuid.uuid4(),
        lines=[LineInput(sku=spice.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
    )  # fmt: skip

    response = client.get(order_status_url(order))

    assert response.status_code == 200
    assert order.number in text(response)
    assert "Write a review" not in text(response)  # a stranger with the link can't review


@pytest.mark.django_db
def test_the_buyer_logged_in_is_offered_a_review_of_each_product(client, shop):
    _web, _warehouse, showroom, _empty, _buffalo, spice = shop
    channel_selling_from(showroom, kind="pos", code="pos-hg")
    terminal, _token = terminal_with_token(location=showroom)
    customer = customer_with(phone="+84909908089")
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["user"])
    order, _created = pos_sale_submit(
        terminal=terminal, client_uuid=uuid.uuid4(), customer=customer,
        lines=[LineInput(sku=spice.sku, quantity=1)],
        tenders=[TenderInput(method="cash", amount=Decimal(85000))],
    )  # fmt: skip
    client.force_login(user)

    page = text(client.get(order_status_url(order)))

    assert f"/reviews/new/?product={spice.product_id}" in page


# --- Card payments through the provider interface ---------------------------------------


class RecordingProvider:
    """A provider configured by the setting, to prove the setting is what chooses it."""

    charged: list = []
    keys: list = []
    voided: list = []

    def __init__(self, *, card_token: str = ""):
        self.card_token = card_token

    def charge(self, order, amount, *, idempotency_key):
        RecordingProvider.charged.append((order.number, amount, self.card_token))
        RecordingProvider.keys.append(idempotency_key)
        return True, "rec-1", "ok"

    def void(self, reference, *, idempotency_key):
        RecordingProvider.voided.append((reference, idempotency_key))
        return True


@pytest.mark.django_db
def test_the_card_provider_is_the_one_the_setting_names(client, shop, settings):
    settings.CARD_PAYMENT_PROVIDER = "tests.orders.test_store_pages.RecordingProvider"
    RecordingProvider.charged, RecordingProvider.keys = [], []
    *_, buffalo, _spice = shop
    start(client, buffalo)

    client.post(
        "/checkout/pay/",
        {"payment_method": "card", "card_number": "4111 1111 1111 1111",
         "expected_total_amount": "900000"},
    )  # fmt: skip

    order = Order.objects.get()
    assert RecordingProvider.charged == [(order.number, Decimal(900000), "4111 1111 1111 1111")]
    # the provider sees the payment's idempotency key, the same on every retry of it
    assert RecordingProvider.keys == [f"order:{order.number}:payment:{order.payments.get().pk}"]
    assert order.payments.get().provider_reference == "rec-1"
    assert order.status == OrderStatus.CONFIRMED


@pytest.mark.django_db
def test_paying_an_order_that_is_no_longer_pending_charges_nothing(client, shop):
    *_, buffalo, _spice = shop
    start(client, buffalo)
    client.post(
        "/checkout/pay/",
        {"payment_method": "card", "card_number": "4242424242424242",
         "expected_total_amount": "900000"},
    )  # fmt: skip
    order = Order.objects.get()
    RecordingProvider.charged = []

    again, ok, _message = order_payment_card(order=order, provider=RecordingProvider())

    assert (again.status, ok, RecordingProvider.charged) == (OrderStatus.CONFIRMED, True, [])


@pytest.mark.django_db
def test_a_logged_in_shopper_finds_their_contact_already_filled_in(client, shop):
    from tests.factories import StaffFactory, customer_with

    customer = customer_with(email="toan@example.vn", phone="+84909908089", full_name="Toản")
    customer.addresses = [
        {"line1": "25 Hàng Giấy", "district": "Hoàn Kiếm", "city": "Hà Nội"},  # before 2025
        {
            "line1": "12 Trần Thái Tông",
            "ward_code": "00167",
            "ward": "Phường Cầu Giấy",
            "province_code": "01",
            "province": "Thành phố Hà Nội",
        },
    ]
    user = StaffFactory(is_staff=False)
    customer.user = user
    customer.save(update_fields=["addresses", "user"])
    client.force_login(user)
    _web, _warehouse, _showroom, _empty, buffalo, _spice = shop
    add(client, buffalo)

    page = text(client.get("/checkout/"))

    assert f"1 × {buffalo.product.name_en} {buffalo.name}" in page  # in English
    assert 'value="0909 908 089"' in page
    assert 'value="toan@example.vn"' in page
    # the address on the 2025 units is the one offered, with its province and ward chosen
    assert 'value="12 Trần Thái Tông"' in page
    assert '<option value="01" selected>' in page
    assert '<option value="00167" selected>Phường Cầu Giấy</option>' in page


@pytest.mark.django_db
def test_phone_inputs_bring_up_the_phone_keypad(client, shop):
    *_, buffalo, _spice = shop
    add(client, buffalo)

    page = text(client.get("/checkout/"))

    assert (
        '<input type="tel" name="contact_phone" autocomplete="tel" inputmode="tel" '
        'maxlength="30" aria-describedby="id_contact_phone_helptext" id="id_contact_phone">'
    ) in page


@pytest.mark.django_db
def test_lines_are_named_in_the_shoppers_language_on_every_page(client, shop):
    # given: an English-speaking shopper (the client fixture) buying one product
    *_, buffalo, _spice = shop
    add(client, buffalo)
    english_name = f"{buffalo.product.name_en} {buffalo.name}"

    # when
    cart = text(client.get("/cart/"))
    client.post("/checkout/", contact())
    payment = text(client.get("/checkout/pay/"))
    placed = client.post("/checkout/pay/", {"payment_method": "cod"})
    status = text(client.get(placed["Location"]))

    # then: no Vietnamese product name on the English pages
    for page in (cart, payment, status):
        assert buffalo.product.name not in page
    assert buffalo.product.name_en in cart
    assert f"1 × {english_name}" in payment
    assert f'<th scope="row">{english_name}' in status
