"""Stock out to the marketplaces: figures after buffer and percentage, coalesced, batched,
rate-limited with retries, logged, and corrected by reconciliation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.services import StockLine, sales_channel_upsert, stock_adjust, stock_reserve
from orders.marketplaces.models import Listing, MarketplaceShop, StockSyncLog, SyncCursor
from orders.marketplaces.services import (
    shop_stock_push,
    shop_stock_reconcile,
    stock_changes_mark,
    stock_sync,
)
from tests.factories import VariantFactory, stocked
from tests.orders.marketplace_setup import jar, sim_shop


@pytest.fixture
def shopee(settings):
    setup = sim_shop(settings, platform="shopee")
    yield setup
    setup.sim.stop()


@pytest.fixture
def lazada(settings):
    setup = sim_shop(settings, platform="lazada", shop_id="VN1234")
    yield setup
    setup.sim.stop()


def no_sleep(seconds):
    pass


@pytest.mark.django_db
def test_the_platform_shows_the_new_figure_right_after_a_stock_change(shopee):
    # given a channel holding 2 back and publishing 50 %
    sales_channel_upsert(
        code=shopee.channel.code, name="Shopee", kind="marketplace", locations=[shopee.store],
        safety_buffer=2, publish_percentage=50,
    )  # fmt: skip
    variant = jar(stock=10, store=shopee.store)
    listing = shopee.map(variant, "100", quantity=0)
    stock_sync()
    assert shopee.sim.quantity("100") == 4  # (10 - 2) x 50 %

    # when the showroom sells 4
    stock_adjust(location=shopee.store, sku=variant.sku, quantity=-4, reason="sold")
    stock_sync()

    # then
    assert shopee.sim.quantity("100") == 2  # (6 - 2) x 50 %
    listing.refresh_from_db()
    assert (listing.last_pushed_quantity, listing.dirty_count, listing.dirty_since) == (2, 0, None)
    assert list(
        StockSyncLog.objects.filter(listing=listing)
        .order_by("pk")
        .values_list("quantity", "outcome")
    ) == [(4, "ok"), (2, "ok")]


@pytest.mark.django_db
def test_a_hold_at_checkout_lowers_the_marketplace_figure_too(shopee):
    # given
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100")
    stock_sync()

    # when a web checkout holds 3 of the same shelf
    stock_reserve(
        channel=shopee.channel, lines=[StockLine(sku=variant.sku, quantity=3)], reference="cart:1"
    )
    stock_sync()

    # then
    assert shopee.sim.quantity("100") == 7


@pytest.mark.django_db
def test_a_flash_sale_percentage_reaches_every_listing_at_the_next_sync(shopee):
    # given
    variants = [jar(sku=f"SKU-{n}", stock=100, store=shopee.store) for n in range(3)]
    for n, variant in enumerate(variants):
        shopee.map(variant, str(200 + n))
    stock_sync()
    assert [shopee.sim.quantity(str(200 + n)) for n in range(3)] == [100, 100, 100]

    # when staff publish only 30 % during the flash sale
    sales_channel_upsert(
        code=shopee.channel.code, name="Shopee", kind="marketplace", locations=[shopee.store],
        publish_percentage=30,
    )  # fmt: skip
    stock_sync()

    # then
    assert [shopee.sim.quantity(str(200 + n)) for n in range(3)] == [30, 30, 30]


@pytest.mark.django_db
def test_changes_between_two_syncs_are_one_push_and_an_unchanged_figure_none(shopee):
    # given
    variant = jar(stock=50, store=shopee.store)
    shopee.map(variant, "100")
    stock_sync()
    calls = shopee.sim.stock_calls

    # when five changes happen before the next sync, then a sync with nothing new
    for _ in range(5):
        stock_adjust(location=shopee.store, sku=variant.sku, quantity=-1, reason="sold")
    first = stock_sync()[shopee.shop.pk]
    second = stock_sync()[shopee.shop.pk]

    # then
    assert shopee.sim.stock_calls == calls + 1
    assert shopee.sim.quantity("100") == 45
    assert (first.pushed, second.pushed) == (1, 0)


@pytest.mark.django_db
def test_a_change_written_before_the_cursor_but_committed_after_it_is_not_skipped(shopee):
    # given a listing in sync, and a scan cursor that already moved past "now"
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100")
    stock_sync()
    SyncCursor.objects.filter(name="marketplace-stock-scan").update(
        position=timezone.now() + timedelta(seconds=10)
    )

    # when a change whose row time is behind the cursor (a late commit) shows up
    stock_adjust(location=shopee.store, sku=variant.sku, quantity=-3, reason="sold")
    stock_sync()

    # then the overlap window re-read it
    assert shopee.sim.quantity("100") == 7


@pytest.mark.django_db
def test_lazada_gets_at_most_50_skus_a_call_and_429s_are_retried_until_accepted(settings, lazada):
    # given 120 listings and a platform allowing 2 calls a second
    lazada.sim.rate = 2.0
    lazada.sim._tokens = 2.0
    variants = [VariantFactory(sku=f"LZ-{n:03d}") for n in range(120)]
    for n, variant in enumerate(variants):
        stocked(variant, lazada.store, n + 1)
        lazada.map(variant, "3001", str(n))

    # when
    report = stock_sync()[lazada.shop.pk]

    # then three calls (50, 50, 20) got through, after waiting out the 429s
    assert (report.batches, report.pushed, report.failed) == (3, 120, 0)
    assert report.rate_limited >= 1
    assert lazada.sim.throttled == report.rate_limited
    assert [lazada.sim.quantity("3001", str(n)) for n in range(120)] == list(range(1, 121))
    assert StockSyncLog.objects.filter(outcome="ok").count() == 120
    assert StockSyncLog.objects.filter(outcome="rate_limited").count() >= 20
    assert Listing.objects.filter(dirty_count__gt=0).count() == 0


@pytest.mark.django_db
def test_a_push_the_platform_keeps_refusing_stays_dirty_for_the_next_run(settings, shopee):
    # given a platform that always says 429
    settings.MARKETPLACE_PUSH_RETRIES = 2
    variant = jar(stock=10, store=shopee.store)
    listing = shopee.map(variant, "100", quantity=0)
    shopee.sim.rate = 0.001
    shopee.sim._tokens = 0.0

    # when
    stock_changes_mark()
    report = shop_stock_push(shop=shopee.shop, sleep=no_sleep)

    # then nothing is lost: the listing waits for the next run
    assert (report.pushed, report.failed) == (0, 1)
    listing.refresh_from_db()
    # (marked twice: the receipt, and the channel's buffer and percentage seen the first time)
    assert (listing.last_pushed_quantity, listing.dirty_count) == (None, 2)
    assert list(StockSyncLog.objects.order_by("pk").values_list("outcome", "attempt")) == [
        ("rate_limited", 1), ("rate_limited", 2), ("failed", 1),
    ]  # fmt: skip
    assert shopee.sim.quantity("100") == 0


@pytest.mark.django_db
def test_a_dropped_push_is_corrected_by_the_next_reconciliation(shopee):
    # given a listing in sync, then a push the platform answers OK and loses
    variant = jar(stock=10, store=shopee.store)
    listing = shopee.map(variant, "100")
    stock_sync()
    shopee.sim.drop_pushes = 1
    stock_adjust(location=shopee.store, sku=variant.sku, quantity=-6, reason="sold")
    stock_sync()
    assert shopee.sim.quantity("100") == 10  # the platform still shows the old figure
    listing.refresh_from_db()
    assert listing.last_pushed_quantity == 4  # and we believe it took

    # when
    drifted = shop_stock_reconcile(shop=shopee.shop)

    # then
    assert drifted == 1
    assert shopee.sim.quantity("100") == 4
    listing.refresh_from_db()
    assert (listing.platform_quantity, listing.last_pushed_quantity) == (10, 4)
    log = StockSyncLog.objects.filter(kind="reconcile").get()
    assert (log.quantity, log.platform_quantity) == (4, 10)
    assert shop_stock_reconcile(shop=shopee.shop) == 0


@pytest.mark.django_db
def test_an_inactive_shop_is_not_pushed(shopee):
    variant = jar(stock=10, store=shopee.store)
    shopee.map(variant, "100", quantity=3)
    MarketplaceShop.objects.filter(pk=shopee.shop.pk).update(is_active=False)

    assert stock_sync() == {}
    assert shopee.sim.quantity("100") == 3


def test_the_token_bucket_spaces_calls_at_the_shops_rate(monkeypatch):
    # given a bucket of 2 calls a second (burst 2) and a clock that only moves when we sleep
    from orders.marketplaces import ratelimit

    clock, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 3))
        clock[0] += seconds

    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    bucket = ratelimit.TokenBucket(key="test-bucket", rate=2, sleep=sleep)

    # when six calls are made at once
    for _ in range(6):
        bucket.take()

    # then the first two go at once and each next one waits half a second
    assert slept == [0.5, 0.5, 0.5, 0.5]
    assert bucket.waited == 2.0


@pytest.mark.django_db
def test_re_reading_the_window_marks_nothing_already_pushed(shopee):
    # given a change pushed at the last sync, still inside the re-read window
    variant = jar(stock=10, store=shopee.store)
    listing = shopee.map(variant, "100")
    stock_sync()
    stock_adjust(location=shopee.store, sku=variant.sku, quantity=-1, reason="sold")
    stock_sync()

    # when the next scans re-read it
    marked = [stock_changes_mark(), stock_changes_mark()]

    # then
    assert marked == [0, 0]
    listing.refresh_from_db()
    assert (listing.dirty_count, listing.last_pushed_quantity) == (0, 9)
