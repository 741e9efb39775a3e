"""Stock out: every change of a variant's available-to-sell reaches each marketplace listing
of it within seconds, as an absolute figure, batched and under the shop's rate limit.

How changes are noticed. Inventory writes nothing for us: the scan reads inventory's own
ledger and reservation times (``inventory.selectors.stock_changed_variant_ids``) from a
durable cursor and marks the listings of those variants dirty. Those times are taken when a
row is written, not when its transaction commits, so each scan re-reads
``MARKETPLACE_STOCK_SCAN_OVERLAP_SECONDS`` behind its cursor; a listing marked again whose
figure has not changed costs a computation, never a call. Figures are absolute, so pushing
twice is harmless, and the reconciliation corrects anything that slipped past (a
transaction open longer than the overlap, a push the platform lost).

A change of the channel's buffer or publish percentage (a flash sale) marks every listing of
its shops at the next scan.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from inventory.selectors import stock_changed_variant_ids, variant_available_to_sell
from orders.marketplaces.adapters import PlatformError, StockUpdate, adapter_for
from orders.marketplaces.models import Listing, MarketplaceShop, StockSyncLog, SyncCursor
from orders.marketplaces.ratelimit import TokenBucket, shop_lock, with_retries
from orders.marketplaces.services.listings import listings_mark_dirty

logger = logging.getLogger(__name__)

SCAN_CURSOR = "marketplace-stock-scan"
CHUNK = 1000


@dataclass
class PushReport:
    pushed: int = 0
    unchanged: int = 0
    failed: int = 0
    batches: int = 0
    calls: int = 0
    rate_limited: int = 0
    skipped_busy: bool = False
    lags: list[float] = field(default_factory=list)  # seconds from first dirty mark to accepted


def stock_changes_mark(*, now=None) -> int:
    """Mark dirty the listings whose variant's stock changed since the cursor (minus the
    overlap), and every listing of a shop whose channel's buffer or percentage changed."""
    now = now or timezone.now()
    overlap = timedelta(seconds=settings.MARKETPLACE_STOCK_SCAN_OVERLAP_SECONDS)
    cursor, _created = SyncCursor.objects.get_or_create(
        name=SCAN_CURSOR, defaults={"position": now - overlap}
    )
    fresh = stock_changed_variant_ids(since=cursor.position)
    # Changes stamped before the cursor that we may not have seen (committed late): mark
    # only the listings whose figure really differs, so re-reading the window costs reads,
    # not a write per listing per run.
    late = sorted(stock_changed_variant_ids(since=cursor.position - overlap) - fresh)
    variant_ids = sorted(fresh)
    marked = 0
    for start in range(0, len(variant_ids), CHUNK):
        marked += listings_mark_dirty(variant_ids=variant_ids[start : start + CHUNK], now=now)
    for start in range(0, len(late), CHUNK):
        marked += _late_changes_mark(variant_ids=late[start : start + CHUNK], now=now)
    for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel"):
        channel = shop.channel
        if (shop.pushed_safety_buffer, shop.pushed_publish_percentage) != (
            channel.safety_buffer,
            channel.publish_percentage,
        ):
            marked += listings_mark_dirty(shop=shop, now=now)
            MarketplaceShop.objects.filter(pk=shop.pk).update(
                pushed_safety_buffer=channel.safety_buffer,
                pushed_publish_percentage=channel.publish_percentage,
            )
    SyncCursor.objects.filter(pk=cursor.pk, position__lt=now).update(position=now)
    return marked


def _late_changes_mark(*, variant_ids: list[int], now) -> int:
    stale = []
    for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel"):
        listings = list(
            Listing.objects.filter(shop=shop, variant_id__in=variant_ids, dirty_count=0).only(
                "pk", "variant_id", "last_pushed_quantity"
            )
        )
        figures = listing_quantities(shop=shop, variant_ids=[li.variant_id for li in listings])
        stale += [li for li in listings if figures[li.variant_id] != li.last_pushed_quantity]
    return listings_mark_dirty(listings=stale, now=now) if stale else 0


def listing_quantities(*, shop: MarketplaceShop, variant_ids) -> dict[int, int]:
    """What each variant may show on this shop: inventory's available-to-sell on the shop's
    channel (after its buffer and percentage); 0 for a variant no longer sold."""
    ids = sorted(set(variant_ids))
    figures = dict.fromkeys(ids, 0)
    for start in range(0, len(ids), CHUNK):
        figures.update(
            variant_available_to_sell(channel=shop.channel)
            .filter(pk__in=ids[start : start + CHUNK])
            .values_list("pk", "available_to_sell")
        )
    return figures


def _clear_dirty(listings: list[Listing]) -> None:
    """Clear the marks we acted on, unless a new one arrived meanwhile (count changed)."""
    by_count: dict[int, list[int]] = {}
    for listing in listings:
        by_count.setdefault(listing.dirty_count, []).append(listing.pk)
    for count, pks in by_count.items():
        Listing.objects.filter(pk__in=pks, dirty_count=count).update(
            dirty_count=0, dirty_since=None
        )


def shop_stock_push(
    *,
    shop: MarketplaceShop,
    limit: int = 10_000,
    sleep=time.sleep,
    bucket: TokenBucket | None = None,
) -> PushReport:
    """Push the figures of the shop's dirty listings that differ from what was last
    accepted; batches as the platform takes them, under the shop's token bucket, retried
    with backoff on 429. A listing whose push failed stays dirty for the next run."""
    report = PushReport()
    with shop_lock(shop.pk) as acquired:
        if not acquired:
            report.skipped_busy = True
            return report
        listings = list(
            Listing.objects.filter(shop=shop, dirty_count__gt=0, variant__isnull=False).order_by(
                "dirty_since", "pk"
            )[:limit]
        )
        if not listings:
            return report
        figures = listing_quantities(shop=shop, variant_ids=[li.variant_id for li in listings])
        changed = [li for li in listings if figures[li.variant_id] != li.last_pushed_quantity]
        unchanged = [li for li in listings if figures[li.variant_id] == li.last_pushed_quantity]
        _clear_dirty(unchanged)
        report.unchanged = len(unchanged)
        if not changed:
            return report
        adapter = adapter_for(shop)
        bucket = bucket or TokenBucket(key=str(shop.pk), rate=shop.requests_per_second, sleep=sleep)
        by_key = {(li.item_id, li.model_id): li for li in changed}
        updates = [
            StockUpdate(
                item_id=li.item_id,
                model_id=li.model_id,
                quantity=figures[li.variant_id],
                seller_sku=li.seller_sku,
            )
            for li in changed
        ]
        for batch in adapter.stock_batches(updates):
            report.batches += 1
            _push_batch(adapter, batch, by_key, bucket, sleep, report)
    return report


def _push_batch(adapter, batch, by_key, bucket, sleep, report: PushReport) -> None:
    logs: list[StockSyncLog] = []

    def on_retry(error, attempt):
        report.rate_limited += 1
        logs.extend(
            StockSyncLog(
                listing=by_key[update.key],
                kind=StockSyncLog.Kind.PUSH,
                quantity=update.quantity,
                outcome=StockSyncLog.Outcome.RATE_LIMITED,
                answer=str(error)[:500],
                attempt=attempt,
            )
            for update in batch
        )

    try:
        answers, attempts = with_retries(
            lambda: adapter.push_stock_batch(batch), bucket=bucket, on_retry=on_retry, sleep=sleep
        )
        report.calls += attempts
    except PlatformError as error:
        report.calls += 1
        answers, attempts = {update.key: str(error) or "failed" for update in batch}, 0
    now = timezone.now()
    accepted = []
    for update in batch:
        listing, answer = by_key[update.key], answers.get(update.key, "")
        logs.append(
            StockSyncLog(
                listing=listing,
                kind=StockSyncLog.Kind.PUSH,
                quantity=update.quantity,
                outcome=StockSyncLog.Outcome.FAILED if answer else StockSyncLog.Outcome.OK,
                answer=answer[:500] or "ok",
                attempt=max(attempts, 1),
            )
        )
        if answer:
            report.failed += 1
            continue
        report.pushed += 1
        if listing.dirty_since:
            report.lags.append((now - listing.dirty_since).total_seconds())
        listing.last_pushed_quantity, listing.last_pushed_at = update.quantity, now
        accepted.append(listing)
    StockSyncLog.objects.bulk_create(logs)
    if accepted:
        Listing.objects.filter(pk__in=[li.pk for li in accepted]).update(
            last_pushed_quantity=Case(
                *(When(pk=li.pk, then=Value(li.last_pushed_quantity)) for li in accepted),
                output_field=IntegerField(),
            ),
            last_pushed_at=now,
        )
        _clear_dirty(accepted)


def stock_sync(*, sleep=time.sleep) -> dict[int, PushReport]:
    """The beat job: mark what changed, then push every active shop's dirty listings."""
    stock_changes_mark()
    return {
        shop.pk: shop_stock_push(shop=shop, sleep=sleep)
        for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel")
    }


def shop_stock_reconcile(*, shop: MarketplaceShop, sleep=time.sleep) -> int:
    """Read every mapped listing's figure on the platform; where it differs from ours, log
    the drift, remember what the platform really shows and push ours. Returns the drifted."""
    listings = list(Listing.objects.filter(shop=shop, variant__isnull=False).order_by("pk"))
    if not listings:
        return 0
    adapter = adapter_for(shop)
    bucket = TokenBucket(key=str(shop.pk), rate=shop.requests_per_second, sleep=sleep)
    with shop_lock(shop.pk) as acquired:
        if not acquired:
            return 0
        shown, _attempts = with_retries(
            lambda: adapter.fetch_listing_quantities(
                [(li.item_id, li.model_id) for li in listings]
            ),
            bucket=bucket,
            sleep=sleep,
        )
    figures = listing_quantities(shop=shop, variant_ids=[li.variant_id for li in listings])
    now = timezone.now()
    drifted, logs = [], []
    for listing in listings:
        platform_quantity = shown.get((listing.item_id, listing.model_id))
        listing.platform_quantity, listing.reconciled_at = platform_quantity, now
        ours = figures[listing.variant_id]
        if platform_quantity != ours:
            drifted.append(listing)
            # Push again whatever we believed: the platform shows something else.
            listing.last_pushed_quantity = platform_quantity
            logs.append(
                StockSyncLog(
                    listing=listing,
                    kind=StockSyncLog.Kind.RECONCILE,
                    quantity=ours,
                    platform_quantity=platform_quantity,
                    outcome=StockSyncLog.Outcome.OK,
                    answer=f"platform shows {platform_quantity}, ours {ours}"[:500],
                )
            )
    Listing.objects.bulk_update(
        listings, ["platform_quantity", "reconciled_at", "last_pushed_quantity"], batch_size=500
    )
    StockSyncLog.objects.bulk_create(logs)
    if drifted:
        listings_mark_dirty(listings=drifted, now=now)
        shop_stock_push(shop=shop, sleep=sleep, bucket=bucket)
    return len(drifted)
