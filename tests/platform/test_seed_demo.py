import re
import time
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaigns.flows.engine import flows_advance, flows_consume_all
from campaigns.models import Message
from campaigns.services import message_send_due
from config.roles import sync_roles
from config.transports.base import _transport
from customers.models import Event
from customers.selectors import event_stream
from inventory.models import (
    GoodsReceipt,
    Location,
    Product,
    SalesChannel,
    StaffMembership,
    StockLevel,
    StockMovement,
    Supplier,
    Variant,
    gtin_checksum_is_valid,
)
from inventory.selectors import stock_drift_list, variant_available_to_sell
from orders.models import Order, Quote, Shift, ShippingRule, Terminal
from orders.services import shift_close, shift_expected_amount


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_sale_post(client, output: str):
    """POST the sale of the printed ``curl``, with its token and body."""
    curl = re.search(
        r"curl -X POST -H 'Authorization: Bearer (\S+)' .* -d '(.+)' \S+$", output, re.M
    )
    token, body = curl.group(1), curl.group(2)
    return client.post(
        "/api/v1/pos/sales/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_working_credentials(client):
    # when: seeded twice, as `make run` does on every start
    seed()
    output = seed()

    # then: nothing is duplicated
    assert Location.objects.count() == 3
    assert set(SalesChannel.objects.values_list("kind", flat=True)) == {"web", "marketplace", "pos"}
    assert SalesChannel.objects.filter(kind="pos").count() == 2
    assert Terminal.objects.count() == 2  # one per store
    assert get_user_model().objects.filter(is_staff=True).count() == 5
    # the scoped demo staff work somewhere (else their admin would be empty)
    assert sorted(StaffMembership.objects.values_list("user__username", "location__code")) == [
        ("cashier", "hcm-quan-1"),
        ("cashier", "hn-hang-giay"),
        ("manager", "hn-hang-giay"),
        ("warehouse", "kho-long-bien"),
    ]

    # and the printed login and token work
    login = re.search(r"^\s+manager\s+(\S+)\s+store_manager$", output, re.M)
    assert client.login(username="manager", password=login.group(1))
    token = re.search(r"token \(new on every seed\): (\S+)", output).group(1)
    response = client.get("/api/v1/pos/terminal/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["location"]["code"] == "hn-hang-giay"


@pytest.mark.django_db
def test_the_printed_sale_curl_records_a_sale_once(client):
    output = seed()

    first = printed_sale_post(client, output)
    again = printed_sale_post(client, output)

    assert (first.status_code, again.status_code) == (201, 200), first.json()
    assert first.json()["customer"] is not None
    assert first.json()["number"] == again.json()["number"]


@pytest.mark.django_db
def test_seed_demo_fills_the_catalog_and_stock_through_the_services(tmp_path):
    # when
    seed()
    movements = StockMovement.objects.count()
    seed()

    # then: about 50 products, valid barcodes, an image each, stock received once
    assert Product.objects.count() >= 50
    assert Variant.objects.count() > Product.objects.count()
    assert all(
        gtin_checksum_is_valid(code) for code in Variant.objects.values_list("barcode", flat=True)
    )
    assert all(product.images.count() == 1 for product in Product.objects.all())
    assert StockMovement.objects.count() == movements > 0
    assert set(StockMovement.objects.values_list("kind", flat=True)) == {"receipt"}
    assert list(stock_drift_list()) == []


@pytest.mark.django_db
def test_the_printed_sale_lands_in_the_demo_terminals_open_shift_not_late_sync(client):
    # given: seeded twice, as `make run` does on every start
    seed()
    output = seed()

    # when
    response = printed_sale_post(client, output)

    # then: each terminal has exactly one shift, open, held by the demo cashier
    assert response.status_code == 201, response.json()
    shifts = Shift.objects.select_related("terminal__location", "cashier")
    assert sorted((s.terminal.location.code, s.cashier.username, s.closed_at) for s in shifts) == [
        ("hcm-quan-1", "cashier", None),
        ("hn-hang-giay", "cashier", None),
    ]
    # and the sale is an ordinary one, counted in the Hàng Giấy shift
    order = Order.objects.get(number=response.json()["number"])
    assert order.late_sync is False
    assert order.shift == shifts.get(terminal__location__code="hn-hang-giay")


@pytest.mark.django_db
def test_seed_demo_opens_a_new_shift_when_staff_closed_the_demo_one():
    # given: the Hàng Giấy shift was closed by staff
    seed()
    shift = Shift.objects.get(terminal__location__code="hn-hang-giay")
    shift_close(shift=shift, counted_amount=shift_expected_amount(shift=shift))

    # when
    seed()

    # then: the closed shift stays closed and one new shift is open
    shifts = list(Shift.objects.filter(terminal__location__code="hn-hang-giay").order_by("pk"))
    assert [(s.pk == shift.pk, s.closed_at is None) for s in shifts] == [
        (True, False),
        (False, True),
    ]


@pytest.mark.django_db
def test_the_demo_looks_like_a_real_shop():
    # when
    seed()

    # then: clean SKUs, two-line descriptions, stores on the 2025 units, delivery fees
    skus = list(Variant.objects.values_list("sku", flat=True))
    assert [sku for sku in skus if "--" in sku or sku.endswith("-")] == []
    assert "MAT-ONG-BAC-HA-100" in skus
    for product in Product.objects.all():
        assert len(product.description.splitlines()) == 2, product.slug
        assert len(product.description_en.splitlines()) == 2, product.slug
    assert set(Location.objects.values_list("code", "province_code", "ward_code")) == {
        ("kho-long-bien", "01", "00148"),
        ("hn-hang-giay", "01", "00070"),
        ("hcm-quan-1", "79", "26740"),
    }
    assert ShippingRule.objects.filter(is_active=True).count() == 4


@pytest.mark.django_db
def test_some_demo_products_are_sold_out_and_others_missing_at_a_shop():
    seed()
    web = SalesChannel.objects.get(code="web")

    online = dict(variant_available_to_sell(channel=web).values_list("sku", "available_to_sell"))
    at_hang_giay = set(
        StockLevel.objects.filter(location__code="hn-hang-giay", on_hand__gt=0).values_list(
            "variant__sku", flat=True
        )
    )

    sold_out = {sku for sku, available in online.items() if available <= 0}
    assert {sku.rsplit("-", 1)[0] for sku in sold_out} == {
        "CHAM-CHEO", "NEM-CHUA", "CA-PHE-SON-LA", "HAT-DIEU", "RUOU-MO",
    }  # fmt: skip
    in_stock_but_not_at_the_shop = {
        sku for sku, available in online.items() if available > 0 and sku not in at_hang_giay
    }
    assert len(in_stock_but_not_at_the_shop) > 10


@pytest.mark.django_db(transaction=True)
def test_the_demo_journey_sends_its_cart_email_and_checkout_sms_a_few_minutes_later(
    settings, tmp_path, time_machine, mailoutbox
):
    # given: the development transports (mail, and SMS appended to a log file), seeded
    # twice at 10:00 Hà Nội time, as `make run` does on every start
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "email": "config.transports.email.EmailTransport",
        "sms": "config.transports.logfile.LogSmsTransport",
    }
    settings.MESSAGE_LOG_FILE = tmp_path / "messages.log"
    _transport.cache_clear()
    # Transactional tests flush the tables the roles migration filled; the demo logins need them.
    sync_roles(django_apps)
    time_machine.move_to(datetime(2026, 11, 30, 3, 0, tzinfo=UTC), tick=False)
    seed()
    seed()

    # when: the beat jobs run three minutes later, and again a minute after that
    for minutes in (3, 4):
        time_machine.move_to(datetime(2026, 11, 30, 3, minutes, tzinfo=UTC), tick=False)
        # On PostgreSQL another session's open transaction may hold the stream back a moment.
        for _ in range(600):
            if event_stream().count() == Event.objects.count():
                break
            time.sleep(0.05)
        flows_consume_all()
        flows_advance()
        message_send_due(batch_size=100, worker="test")

    # then: Toản's cart email and Mai's checkout SMS, each sent once
    sent = sorted(Message.objects.values_list("customer__full_name", "flow", "channel", "state"))
    assert sent == [
        ("Nguyễn Văn Toản", "cart_abandoned", "email", "sent"),
        ("Trần Thị Mai", "checkout_abandoned", "sms", "sent"),
    ]
    assert [message.to for message in mailoutbox] == [["toan@example.vn"]]
    (sms,) = settings.MESSAGE_LOG_FILE.read_text().splitlines()
    assert "+84912345678" in sms and "Hàng Giấy" in sms
    _transport.cache_clear()


@pytest.mark.django_db
def test_the_in_store_quote_waits_in_the_demo_shoppers_web_account(client):
    # given: seeded twice, as `make run` does on every start
    seed()
    output = seed()

    # then: one quote, made at the Hàng Giấy till for a shopper with a login, sent, a week
    quote = Quote.objects.select_related("customer", "terminal__location").get()
    assert quote.status == Quote.Status.SENT
    assert quote.customer.user_id is not None
    assert quote.terminal.location.code == "hn-hang-giay"
    assert quote.created_by.username == "cashier"
    assert 6.9 < (quote.expires_at - quote.sent_at).total_seconds() / 86400 <= 7
    assert quote.lines.count() == 2 and quote.discount_amount > 0

    # and the printed login shows it in the web account
    line = re.search(
        r"An in-store quote: (\S+) .* as (\S+) / (\S+) and open \S+/account/quotes/", output
    )
    assert line.group(1) == quote.number
    assert client.login(username=line.group(2), password=line.group(3))
    page = client.get("/account/quotes/")
    assert page.status_code == 200 and quote.number in page.content.decode()


@pytest.mark.django_db
def test_seed_demo_receives_one_delivery_from_a_demo_supplier():
    seed()
    output = seed()

    receipt = GoodsReceipt.objects.select_related("supplier", "location").get()
    assert Supplier.objects.get() == receipt.supplier
    assert receipt.location.code == "kho-long-bien"
    assert receipt.received_by.username == "warehouse"
    assert receipt.lines.count() == 3 and receipt.total_cost_amount > 0
    assert set(receipt.lines.values_list("movement__kind", flat=True)) == {"receipt"}
    assert f"A goods receipt: {receipt.reference}" in output
