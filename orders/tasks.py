"""Celery finds ``<app>.tasks``: the orders app's own beat jobs, and the marketplaces'
(which live by subject in ``orders/marketplaces/tasks.py``) imported here."""

from celery import shared_task

from orders.marketplaces.tasks import (
    orders_pull,
    stock_reconcile,
    stock_sync_task,
    webhook_process,
    webhook_sweep,
)
from orders.services import orders_unpaid_expire
from orders.services.quotes import quotes_expire

__all__ = [
    "expire_quotes",
    "expire_unpaid",
    "orders_pull",
    "stock_reconcile",
    "stock_sync_task",
    "webhook_process",
    "webhook_sweep",
]


@shared_task(name="orders.tasks.expire_unpaid")
def expire_unpaid() -> int:
    """Beat job: cancel orders still unpaid past their due time. Safe to run twice."""
    return orders_unpaid_expire()


@shared_task(name="orders.tasks.expire_quotes")
def expire_quotes() -> int:
    """Beat job: mark quotes past their validity expired (bookkeeping only: a lapsed quote
    is refused at checkout whether or not this ran). Safe to run twice."""
    return quotes_expire()
