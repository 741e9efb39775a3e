"""Thin Celery tasks of the marketplaces (schedules in ``CELERY_BEAT_SCHEDULE``)."""

from celery import shared_task

from orders.marketplaces.models import MarketplaceShop
from orders.marketplaces.services import (
    shop_orders_pull,
    shop_stock_reconcile,
    stock_sync,
    webhook_event_process,
    webhook_events_pending,
)


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
    return sum(
        shop_stock_reconcile(shop=shop)
        for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel")
    )


@shared_task(name="orders.marketplaces.tasks.orders_pull")
def orders_pull() -> int:
    """Beat: fetch the orders the webhooks missed, since each shop's cursor."""
    return sum(
        shop_orders_pull(shop=shop)
        for shop in MarketplaceShop.objects.filter(is_active=True).select_related("channel")
    )
