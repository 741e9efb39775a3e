"""Each adapter checks its platform's webhook signature its own way and reads its notices;
listings import from a CSV, mapping only by exact SKU; missed orders come back by pull or
CSV."""

import hashlib
import hmac
import io
import json
from types import SimpleNamespace

import pytest

from orders.marketplaces.adapters import ADAPTERS, OrderNotice
from orders.marketplaces.exceptions import ListingImportInvalid
from orders.marketplaces.models import HeldOrder, Listing
from orders.marketplaces.services import (
    listings_import_csv,
    orders_import_csv,
    shop_orders_pull,
)
from orders.models import Order
from tests.orders.marketplace_setup import jar, sim_shop

SECRET, APP_KEY = "s3cr3t", "app-123"


def adapter(platform):
    shop = SimpleNamespace(
        platform=platform, shop_id="1001", api_base_url="http://127.0.0.1:1", partner_id=APP_KEY
    )
    return ADAPTERS[platform](shop=shop, credentials={"secret": SECRET})


def hex_hmac(message: bytes, digest=hashlib.sha256) -> str:
    return hmac.new(SECRET.encode(), message, digest).hexdigest()


URL = "https://tiem.example/api/v1/marketplaces/x/1001/webhook"
SIGNED = {
    "shopee": (
        b'{"code":3,"shop_id":1001,"data":{"ordersn":"SN9","status":"SHIPPED","update_time":1}}',
        lambda body: {"Authorization": hex_hmac(URL.encode() + b"|" + body)},
        OrderNotice(external_ref="SN9", status="shipped", platform_status="SHIPPED"),
    ),
    "lazada": (
        b'{"seller_id":"1","message_type":0,"data":{"order_status":"canceled",'
        b'"trade_order_id":"77","status_update_time":1},"timestamp":1,"site":"lazada_vn"}',
        lambda body: {"Authorization": hex_hmac(APP_KEY.encode() + body)},
        OrderNotice(external_ref="77", status="cancelled", platform_status="canceled"),
    ),
    "tiktok": (
        b'{"type":1,"tts_notification_id":"n-1","shop_id":"1001","timestamp":1,'
        b'"data":{"order_id":"5761","order_status":"IN_TRANSIT","update_time":1}}',
        lambda body: {"Authorization": hex_hmac(APP_KEY.encode() + body)},
        OrderNotice(external_ref="5761", status="shipped", platform_status="IN_TRANSIT"),
    ),
    "tiki": (
        b'{"data":{"order_code":"347171821","status":"successful_delivery"}}',
        lambda body: {"x-signature": "sha1=" + hex_hmac(body, hashlib.sha1)},
        OrderNotice(
            external_ref="347171821", status="delivered", platform_status="successful_delivery"
        ),
    ),
}


@pytest.mark.parametrize("platform", sorted(SIGNED))
def test_each_platform_signature_is_checked_over_the_raw_body(platform):
    body, sign, notice = SIGNED[platform]
    headers = sign(body)

    assert adapter(platform).verify_webhook(url=URL, body=body, headers=headers)
    assert not adapter(platform).verify_webhook(url=URL, body=body + b" ", headers=headers)
    assert not adapter(platform).verify_webhook(url=URL, body=body, headers={})
    assert adapter(platform).parse_notice(json.loads(body)) == notice


def test_shopee_signs_the_callback_url_too():
    body, sign, _notice = SIGNED["shopee"]

    assert not adapter("shopee").verify_webhook(
        url=URL.replace("tiem.example", "evil.example"), body=body, headers=sign(body)
    )


def test_tiktok_uses_its_notification_id_and_others_the_body_hash():
    tiktok_body = SIGNED["tiktok"][0]
    shopee_body = SIGNED["shopee"][0]

    assert adapter("tiktok").event_id(body=tiktok_body, payload=json.loads(tiktok_body)) == "n-1"
    assert (
        adapter("shopee").event_id(body=shopee_body, payload=json.loads(shopee_body))
        == hashlib.sha256(shopee_body).hexdigest()
    )


def test_lazada_stock_calls_take_at_most_50_skus_and_shopee_one_item_each():
    from orders.marketplaces.adapters import StockUpdate

    updates = [StockUpdate(item_id=str(n // 60), model_id=str(n), quantity=1) for n in range(120)]

    assert [len(batch) for batch in adapter("lazada").stock_batches(updates)] == [50, 50, 20]
    assert [len(batch) for batch in adapter("shopee").stock_batches(updates)] == [50, 10, 50, 10]


def test_shopee_api_calls_are_signed_partner_path_timestamp_token_shop():
    shopee = ADAPTERS["shopee"](
        shop=SimpleNamespace(
            platform="shopee", shop_id="1001", api_base_url="http://x", partner_id="2001"
        ),
        credentials={"secret": SECRET, "access_token": "tok"},
    )

    base = "2001/api/v2/product/update_stock1700000000tok1001"
    assert shopee.sign("/api/v2/product/update_stock", 1700000000) == hex_hmac(base.encode())


def test_lazada_api_calls_are_signed_over_path_and_sorted_parameters():
    base = (
        "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000"
    )
    params = {
        "app_key": "123456", "access_token": "test", "timestamp": "1517820392000",
        "sign_method": "sha256", "order_id": "1234",
    }  # fmt: skip

    assert adapter("lazada").sign("/order/get", params) == hex_hmac(base.encode()).upper()


# --- Listings -------------------------------------------------------------------------------


@pytest.fixture
def shopee(settings):
    setup = sim_shop(settings, platform="shopee")
    yield setup
    setup.sim.stop()


@pytest.mark.django_db
def test_a_listing_csv_maps_only_exact_skus_and_reports_the_rest(shopee):
    # given
    jar(sku="MK-100G")
    jar(sku="MK-200G")
    csv_text = (
        "item_id,model_id,seller_sku,name,sku\n"
        "100,1,MK-100G,Mắc khén 100 g,\n"  # seller SKU is ours exactly
        "100,2,whatever,Mắc khén 200 g,MK-200G\n"  # our SKU given
        "101,,mk-100g,Mắc khén (lower case),\n"  # not exactly ours: never guessed
        "102,,,Không có SKU,\n"
        ",,MK-100G,No item id,\n"
    )

    # when
    report = listings_import_csv(shop=shopee.shop, file=io.BytesIO(csv_text.encode()))

    # then
    assert (report.created, report.updated, report.mapped) == (4, 0, 2)
    assert [(row["row"], row["item_id"]) for row in report.unmapped] == [
        (4, "101"), (5, "102"), (6, ""),
    ]  # fmt: skip
    assert [row["reason"] for row in report.unmapped] == [
        "No variant has SKU mk-100g.", "No SKU given.", "No item_id.",
    ]  # fmt: skip
    assert sorted(
        Listing.objects.filter(variant__isnull=False).values_list("model_id", "variant__sku")
    ) == [("1", "MK-100G"), ("2", "MK-200G")]
    # the two mapped listings owe the platform a figure
    assert set(
        Listing.objects.filter(variant__isnull=False).values_list("dirty_count", flat=True)
    ) == {1}


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing_twice(shopee):
    jar(sku="MK-100G")
    csv_bytes = b"item_id,model_id,seller_sku,name,sku\n100,,MK-100G,Jar,\n"

    listings_import_csv(shop=shopee.shop, file=io.BytesIO(csv_bytes))
    again = listings_import_csv(shop=shopee.shop, file=io.BytesIO(csv_bytes))

    assert (again.created, again.updated, again.mapped, again.unmapped) == (0, 1, 1, [])
    assert Listing.objects.count() == 1


@pytest.mark.django_db
def test_a_file_without_the_item_id_column_is_refused_and_writes_nothing(shopee):
    with pytest.raises(ListingImportInvalid) as refused:
        listings_import_csv(shop=shopee.shop, file=io.BytesIO(b"sku,name\nMK-100G,Jar\n"))

    assert refused.value.fields == {"file": ["Column item_id is missing."]}
    assert Listing.objects.count() == 0


# --- Orders the webhooks missed ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_pull_job_records_orders_whose_webhooks_were_lost(client, shopee):
    # given three orders whose notices all got lost
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=10)
    for n in range(3):
        shopee.sim.buy(f"SN{n}", [("100", "", 1, 79000)])
    shopee.sim.set_status("SN2", "shipped")
    shopee.sim.deliver(lambda delivery: shopee.post(client, delivery), drop=1.0)

    # when
    fetched = shop_orders_pull(shop=shopee.shop)

    # then
    assert fetched == 3
    assert dict(Order.objects.values_list("external_ref", "status")) == {
        "SN0": "confirmed", "SN1": "confirmed", "SN2": "shipped",
    }  # fmt: skip
    shopee.shop.refresh_from_db()
    assert shopee.shop.orders_synced_to is not None
    assert shop_orders_pull(shop=shopee.shop) == 3  # the overlap re-reads them: no new orders
    assert Order.objects.count() == 3


@pytest.mark.django_db
def test_a_csv_of_orders_goes_through_the_same_ingest(shopee):
    # given a shop without API access
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100")
    csv_bytes = (
        "external_ref,status,placed_at,item_id,model_id,quantity,unit_price,buyer_phone,buyer_name\n"
        "T1,paid,2026-11-30T09:00:00+07:00,100,,2,79000,0909908089,Toản\n"
        "T2,delivered,2026-11-30T09:05:00+07:00,100,,1,79000,,\n"
        "T3,paid,2026-11-30T09:06:00+07:00,999,,1,79000,,\n"
        "T4,teleported,2026-11-30T09:07:00+07:00,100,,1,79000,,\n"
    ).encode()

    # when
    result = orders_import_csv(shop=shopee.shop, file=io.BytesIO(csv_bytes))

    # then
    assert (result["applied"], result["held"]) == (2, 1)
    assert [error["external_ref"] for error in result["errors"]] == ["T4"]
    assert dict(Order.objects.values_list("external_ref", "status")) == {
        "T1": "confirmed", "T2": "completed",
    }  # fmt: skip
    assert HeldOrder.objects.get().external_ref == "T3"
