"""Thin Celery tasks of the marketplaces (schedules in ``CELERY_BEAT_SCHEDULE``)."""

import logging

from celery import shared_task

from orders.marketplaces.adapters import PlatformError
from orders.marketplaces.models import MarketplaceShop
from orders.marketplaces.services import (
    shop_orders_pull,
    shop_stock_reconcile,
    stock_sync,
    webhook_event_process,
    webhook_events_pending,
)

logger = logging.getLogger(__name__)


def _each_shop(run) -> int:
    """Run ``run(shop)`` for every active shop; one platform failing does not stop the rest."""
    total = 0
    for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel"):
        try:
            total += run(shop)
        except PlatformError as error:
            logger.warning("marketplace shop %s: %s", shop.pk, error)
    return total


@shared_task(name="orders.marketplaces.tasks.webhook_process")
def webhook_process(event_pk: int) -> str | None:
    """Enqueued when a webhook is stored: record or move its order. Safe to run twice."""
    event = webhook_event_process(event_pk=event_pk)
    return event.status if event else None


@shared_task(name="orders.marketplaces.tasks.webhook_sweep")
def webhook_sweep() -> int:
    """Beat: events nobody processed (broker down, worker died) are processed now."""
    return sum(webhook_event_process(event_pk=pk) is not None for pk in webhook_events_pending())


@shared_task(name="orders.marketplaces.tasks.stock_sync")
def stock_sync_task() -> int:
    """Beat, every couple of seconds: mark what changed and push it."""
    return sum(report.pushed for report in stock_sync().values())


@shared_task(name="orders.marketplaces.tasks.stock_reconcile")
def stock_reconcile() -> int:
    """Beat: compare every listing's figure on the platform with ours and correct drift."""
    return _each_shop(lambda shop: shop_stock_reconcile(shop=shop))


@shared_task(name="orders.marketplaces.tasks.orders_pull")
def orders_pull() -> int:
    """Beat: fetch the orders the webhooks missed, since each shop's cursor."""
    return _each_shop(lambda shop: shop_orders_pull(shop=shop))
