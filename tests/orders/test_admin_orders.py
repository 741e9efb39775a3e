from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone, translation

from config.roles import CASHIER, STORE_MANAGER
from customers.services import event_record
from inventory.models import SalesChannel
from orders.models import (
    Order,
    OrderLine,
    Payment,
    Return,
    ReturnLine,
    Voucher,
    VoucherCode,
)
from orders.services import voucher_codes_generate, voucher_quote, voucher_redeem
from tests.factories import (
    LocationFactory,
    SalesChannelFactory,
    StaffFactory,
    VariantFactory,
    VoucherFactory,
    customer_with,
    order_minimal,
)

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"
VOUCHERS = "/admin/orders/voucher/"


@pytest.fixture(autouse=True)
def _english_messages(client, settings):
    """Assertions read the English text: the test and the admin's requests speak English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def web(db):
    return SalesChannelFactory(code="web", name="Web store")


def results(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def a_pos_sale(*, store, customer=None, **fields):
    code = f"pos-{store.code}"
    pos = SalesChannel.objects.filter(code=code).first() or SalesChannelFactory(
        code=code, kind="pos"
    )
    return order_minimal(
        channel=pos, location=store, customer=customer, fulfilment="carry_out", **fields
    )


# --- the order list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["0909 908 089", "+84909908089", "84 909 908 089", "0909.908.089", "0909908089"]
)
def test_an_order_is_found_by_its_contact_phone_in_any_format(owner_client, web, term):
    # given
    wanted = order_minimal(channel=web, contact_phone="+84909908089")
    order_minimal(channel=web, contact_phone="+84912345678")

    # when
    found = results(owner_client.get(ORDERS, {"q": term}))

    # then
    assert found == [wanted]


def test_an_order_is_found_by_its_customers_phone(owner_client, web):
    # given: the order carries no phone, its customer's profile does
    toan = customer_with(phone="+84909908089", full_name="Anh Toản")
    wanted = order_minimal(channel=web, customer=toan)
    order_minimal(channel=web, customer=customer_with(phone="+84912345678"))

    # when
    found = results(owner_client.get(ORDERS, {"q": "0909 908 089"}))

    # then
    assert found == [wanted]


@pytest.mark.parametrize(
    ("term", "wanted_index"),
    [
        ("WEB-000042", 0),
        ("000042", 0),
        ("2405SHOPEE99", 1),
        ("  TOAN@Example.VN ", 2),
        ("toản", 3),
        ("chị lan", 4),
    ],
)
def test_orders_are_found_by_number_reference_email_and_name(owner_client, web, term, wanted_index):
    # given
    shopee = SalesChannelFactory(code="shopee", kind="marketplace")
    orders = [
        order_minimal(channel=web, number="WEB-000042"),
        order_minimal(channel=shopee, external_ref="2405SHOPEE99"),
        order_minimal(channel=web, contact_email="toan@example.vn"),
        order_minimal(channel=web, customer=customer_with(full_name="Anh Toản")),
        order_minimal(channel=web, contact_name="Chị Lan"),
    ]

    # when
    found = results(owner_client.get(ORDERS, {"q": term}))

    # then
    assert found == [orders[wanted_index]]


def test_the_customer_pages_link_lists_that_customers_orders(owner_client, web):
    toan = customer_with(full_name="Anh Toản")
    wanted = order_minimal(channel=web, customer=toan)
    order_minimal(channel=web, customer=customer_with(full_name="Chị Lan"))

    found = results(owner_client.get(ORDERS, {"customer__id__exact": toan.pk}))

    assert found == [wanted]


def test_orders_of_every_channel_are_filtered(owner_client, web):
    # given
    now = timezone.now()
    store = LocationFactory(code="hn-1")
    web_order = order_minimal(channel=web, placed_at=now)
    pos_sale = a_pos_sale(store=store, sold_offline=True, status="completed", placed_at=now)
    late = a_pos_sale(
        store=LocationFactory(code="hcm-1"), late_sync=True, placed_at=now - timedelta(days=40)
    )

    # when / then
    assert results(owner_client.get(ORDERS, {"channel__id__exact": web.pk})) == [web_order]
    assert results(owner_client.get(ORDERS, {"location__id__exact": store.pk})) == [pos_sale]
    assert results(owner_client.get(ORDERS, {"status__exact": "completed"})) == [pos_sale]
    assert results(owner_client.get(ORDERS, {"fulfilment__exact": "ship"})) == [web_order]
    assert results(owner_client.get(ORDERS, {"sold_offline__exact": "1"})) == [pos_sale]
    assert results(owner_client.get(ORDERS, {"late_sync__exact": "1"})) == [late]
    assert set(results(owner_client.get(ORDERS + date_filter(owner_client, "Past 7 days")))) == {
        web_order,
        pos_sale,
    }


def date_filter(client, label):
    """The query string of a choice of the placed date filter, as the page links it."""
    changelist = client.get(ORDERS).context["cl"]
    spec = next(spec for spec in changelist.filter_specs if str(spec.title) == "placed at")
    return next(
        choice["query_string"]
        for choice in spec.choices(changelist)
        if str(choice["display"]) == label
    )


@pytest.mark.parametrize("orders", [5, 50])
def test_the_order_list_takes_the_same_queries_for_5_or_50_orders(
    owner_client, django_assert_max_num_queries, orders
):
    # given: orders of several channels, stores and customers
    stores = [LocationFactory(code=f"store-{n}") for n in range(3)]
    for n in range(orders):
        a_pos_sale(store=stores[n % 3], customer=customer_with(full_name=f"Khách {n}"))

    # when
    with django_assert_max_num_queries(10):
        response = owner_client.get(ORDERS, {"q": "Khách"})

    # then
    assert len(results(response)) == orders


# --- the order page ---------------------------------------------------------------------------


def test_the_order_page_shows_lines_payments_returns_and_the_customers_timeline(
    owner_client, django_assert_max_num_queries
):
    # given
    store = LocationFactory(code="hn-1", name="Hoàn Kiếm")
    toan = customer_with(phone="+84909908089", full_name="Anh Toản")
    order = a_pos_sale(store=store, customer=toan, number="POS-000042")
    lines = [
        OrderLine.objects.create(
            order=order,
            variant=VariantFactory(sku=f"TRAU-{n}"),
            sku=f"TRAU-{n}",
            name=f"Thịt trâu gác bếp {n}",
            quantity=2,
            unit_price_amount=Decimal("250000"),
            total_amount=Decimal("500000"),
        )
        for n in range(3)
    ]
    Payment.objects.create(order=order, method="cash", status="captured", amount=500000)
    Payment.objects.create(order=order, method="card", status="captured", amount=1000000)
    refund = Return.objects.create(
        order=order,
        location=store,
        reason="Bao bì rách",
        refund_method="cash",
        refund_amount=Decimal("250000"),
    )
    ReturnLine.objects.create(
        return_record=refund, order_line=lines[0], quantity=1, refund_amount=Decimal("250000")
    )

    # when
    with django_assert_max_num_queries(30):
        response = owner_client.get(f"{ORDERS}{order.pk}/change/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "POS-000042" in page
    assert all(line.name in page for line in lines)
    assert "Bao bì rách" in page and "1 × TRAU-0" in page
    assert f'href="/admin/customers/customer/{toan.pk}/change/"' in page
    assert 'name="_save"' not in page  # read-only: services write orders


def test_the_order_page_shows_the_voucher_redeemed(owner_client, web):
    voucher = VoucherFactory(name="Tết 2026", code="TET2026")
    order = order_minimal(channel=web, voucher_code="TET2026")
    quoted = voucher_quote(code="TET2026", channel=web, customer=None, subtotal_amount=500000)
    voucher_redeem(quote=quoted, order=order, customer=None)

    response = owner_client.get(f"{ORDERS}{order.pk}/change/")

    assert f'href="/admin/orders/voucher/{voucher.pk}/change/"' in response.content.decode()
    assert "Tết 2026</a> (TET2026): −₫50,000" in response.content.decode()  # money, in English


def test_orders_cannot_be_added_changed_or_deleted_in_the_admin(owner_client, web):
    # given
    order = order_minimal(channel=web, note="giao buổi sáng")

    # when
    add = owner_client.get(f"{ORDERS}add/")
    change = owner_client.post(f"{ORDERS}{order.pk}/change/", {"note": "sửa"})
    delete = owner_client.post(f"{ORDERS}{order.pk}/delete/", {"post": "yes"})

    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    order.refresh_from_db()
    assert order.note == "giao buổi sáng"
    assert Order.objects.count() == 1


@pytest.mark.parametrize("role", [STORE_MANAGER, CASHIER])
def test_staff_roles_read_orders(client, web, role):
    store = LocationFactory()
    client.force_login(StaffFactory(role=role, stores=[store]))
    order = order_minimal(channel=web, fulfilment="pickup", location=store)

    assert client.get(ORDERS).status_code == 200
    assert client.get(f"{ORDERS}{order.pk}/change/").status_code == 200


def test_terminals_and_shifts_still_list(owner_client):
    assert owner_client.get("/admin/orders/terminal/").status_code == 200
    assert owner_client.get("/admin/orders/shift/").status_code == 200


# --- vouchers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vouchers", [5, 50])
def test_the_voucher_list_takes_the_same_queries_for_5_or_50_vouchers(
    owner_client, django_assert_max_num_queries, web, vouchers
):
    # given
    for n in range(vouchers):
        voucher = VoucherFactory(code=None if n % 2 else f"GIAM{n}", channels=[web])
        VoucherCode.objects.create(voucher=voucher, code=f"ONE{n}", used_at=timezone.now())
        VoucherCode.objects.create(voucher=voucher, code=f"TWO{n}")

    # when
    with django_assert_max_num_queries(10):
        response = owner_client.get(VOUCHERS)

    # then
    assert len(results(response)) == vouchers
    assert "1 / 2" in response.content.decode()  # single-use codes, used / all


def test_the_voucher_list_filtered_by_channel_still_counts_codes_right(owner_client, web):
    pos = SalesChannelFactory(code="pos", kind="pos")
    voucher = VoucherFactory(code=None, channels=[web, pos])
    voucher_codes_generate(voucher=voucher, count=3)

    found = results(owner_client.get(VOUCHERS, {"channels__id__exact": web.pk}))

    assert found == [voucher]
    assert (found[0].codes_count, found[0].codes_used_count) == (3, 0)


def test_a_voucher_is_found_by_one_of_its_single_use_codes(owner_client):
    wanted = VoucherFactory(name="Khai trương", code=None)
    VoucherCode.objects.create(voucher=wanted, code="K7M2XQ")
    VoucherFactory(name="Tết", code="TET2026")

    assert results(owner_client.get(VOUCHERS, {"q": " k7m2xq"})) == [wanted]
    assert [v.name for v in results(owner_client.get(VOUCHERS, {"q": "tet2026"}))] == ["Tết"]


def test_the_voucher_page_shows_the_first_codes_only(owner_client):
    voucher = VoucherFactory(code=None)
    codes = voucher_codes_generate(voucher=voucher, count=120)

    response = owner_client.get(f"{VOUCHERS}{voucher.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    shown = sorted(code.code for code in codes)
    assert shown[0] in page and shown[49] in page
    assert shown[50] not in page
    assert f"/admin/orders/vouchercode/?voucher__id__exact={voucher.pk}" in page


def test_a_voucher_made_in_the_admin_keeps_its_code_upper_case(owner_client, web):
    # when
    response = owner_client.post(
        f"{VOUCHERS}add/",
        {
            "name": "Tết",
            "code": "  tet2026 ",
            "is_active": "on",
            "channels": [web.pk],
            "kind": "percentage",
            "value": "10",
            "min_order_amount": "0",
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
        },
    )

    # then
    assert response.status_code == 302
    assert Voucher.objects.get().code == "TET2026"


def test_a_shared_code_that_is_already_a_single_use_code_is_refused(owner_client):
    VoucherCode.objects.create(voucher=VoucherFactory(code=None), code="K7M2XQ")

    response = owner_client.post(
        f"{VOUCHERS}add/",
        {
            "name": "Trùng",
            "code": "k7m2xq",
            "kind": "fixed",
            "value": "10000",
            "min_order_amount": "0",
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == [
        "K7M2XQ is already a single-use code of a voucher."
    ]
    assert Voucher.objects.count() == 1


def generate(client, vouchers, **fields):
    return client.post(
        VOUCHERS,
        {
            "action": "generate_codes",
            ACTION_CHECKBOX_NAME: [voucher.pk for voucher in vouchers],
            **fields,
        },
    )


def test_the_generate_action_asks_how_many_then_generates(owner_client):
    # given
    voucher = VoucherFactory(code=None)

    # when
    asked = generate(owner_client, [voucher])
    done = generate(owner_client, [voucher], apply="yes", count="25", prefix="tet-")

    # then
    assert asked.status_code == 200
    assert 'name="count"' in asked.content.decode()
    assert done.status_code == 302
    codes = list(voucher.codes.values_list("code", flat=True))
    assert len(codes) == 25
    assert all(code.startswith("TET-") for code in codes)


@pytest.mark.parametrize(
    ("count", "prefix", "field"),
    [("0", "", "count"), ("100001", "", "count"), ("abc", "", "count"), ("5", "TẾT", "prefix")],
)
def test_the_generate_action_writes_nothing_on_bad_input(owner_client, count, prefix, field):
    voucher = VoucherFactory(code=None)

    response = generate(owner_client, [voucher], apply="yes", count=count, prefix=prefix)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert VoucherCode.objects.count() == 0


def test_the_generate_action_wants_exactly_one_voucher(owner_client):
    vouchers = [VoucherFactory(code=None), VoucherFactory(code=None)]

    response = generate(owner_client, vouchers, apply="yes", count="5")

    assert response.status_code == 302
    shown = [str(message) for message in owner_client.get(VOUCHERS).context["messages"]]
    assert shown == ["Select exactly one voucher to generate codes for."]
    assert VoucherCode.objects.count() == 0


def test_a_cashier_cannot_generate_codes(client):
    client.force_login(StaffFactory(role=CASHIER))
    voucher = VoucherFactory(code=None)

    response = generate(client, [voucher], apply="yes", count="5")

    # No action on this list is the cashier's, so the post just shows the list again.
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert 'name="count"' not in response.content.decode()
    assert VoucherCode.objects.count() == 0


def test_unused_codes_export_as_csv(owner_client):
    voucher = VoucherFactory(name="Khai trương", code=None)
    VoucherCode.objects.create(voucher=voucher, code="AAA2", used_at=timezone.now())
    VoucherCode.objects.create(voucher=voucher, code="BBB3")

    response = owner_client.post(
        VOUCHERS, {"action": "export_unused_codes", ACTION_CHECKBOX_NAME: [voucher.pk]}
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines() == ["Voucher,Code", "Khai trương,BBB3"]


def test_single_use_codes_and_redemptions_list(owner_client, web):
    voucher = VoucherFactory(code=None)
    VoucherCode.objects.create(voucher=voucher, code="K7M2XQ")
    order = order_minimal(channel=web)
    quoted = voucher_quote(code="K7M2XQ", channel=web, customer=None, subtotal_amount=500000)
    voucher_redeem(quote=quoted, order=order, customer=None)

    codes = owner_client.get("/admin/orders/vouchercode/", {"q": "k7m2xq"})
    redemptions = owner_client.get("/admin/orders/voucherredemption/")

    assert [code.code for code in results(codes)] == ["K7M2XQ"]
    assert [r.order for r in results(redemptions)] == [order]


def test_the_order_page_lists_this_orders_events_from_the_timeline(owner_client, web):
    # given
    toan = customer_with(full_name="Anh Toản")
    order = order_minimal(channel=web, customer=toan)
    other = order_minimal(channel=web, customer=toan)
    for kind, about in [
        ("order_placed", order),
        ("order_cancelled", order),
        ("order_placed", other),
    ]:
        event_record(customer=toan, kind=kind, channel=web, payload={"order_id": about.pk})

    # when
    response = owner_client.get(f"{ORDERS}{order.pk}/change/")

    # then
    page = response.content.decode()
    assert page.count("Order placed") == 1
    assert page.count("Order cancelled") == 1


def test_a_voucher_with_many_codes_can_still_be_edited(owner_client, web):
    # given: more codes than the page shows
    voucher = VoucherFactory(name="Khai trương", code=None, channels=[web])
    voucher_codes_generate(voucher=voucher, count=120)
    before = dict(VoucherCode.objects.values_list("code", "used_at"))

    # when: staff rename it; the browser posts the 50 read-only code rows it was shown
    response = owner_client.post(
        f"{VOUCHERS}{voucher.pk}/change/",
        {
            "name": "Khai trương Hoàn Kiếm",
            "is_active": "on",
            "channels": [web.pk],
            "kind": "fixed",
            "value": "50000",
            "min_order_amount": "0",
            "codes-TOTAL_FORMS": "50",
            "codes-INITIAL_FORMS": "50",
        },
    )

    # then
    assert response.status_code == 302
    voucher.refresh_from_db()
    assert voucher.name == "Khai trương Hoàn Kiếm"
    assert dict(VoucherCode.objects.values_list("code", "used_at")) == before


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "percentage", "value": "120"}, {"value": ["A percentage is at most 100."]}),
        (
            {"starts_at_0": "2026-02-10", "starts_at_1": "00:00", "ends_at_0": "2026-02-01"},
            {"ends_at": ["The end must come after the start."]},
        ),
    ],
)
def test_a_voucher_that_makes_no_sense_is_refused_in_the_admin(owner_client, fields, errors):
    response = owner_client.post(
        f"{VOUCHERS}add/",
        {
            "name": "Sai",
            "kind": "fixed",
            "value": "10000",
            "min_order_amount": "0",
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
            "ends_at_1": "00:00",
            **fields,
        },
    )

    assert response.status_code == 200
    form_errors = response.context["adminform"].form.errors
    assert {field: form_errors[field] for field in errors} == errors
    assert Voucher.objects.count() == 0
