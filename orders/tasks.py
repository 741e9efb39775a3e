"""Celery finds ``<app>.tasks``; the orders app's tasks live by subject and are imported here."""

from orders.marketplaces.tasks import (
    orders_pull,
    stock_reconcile,
    stock_sync_task,
    webhook_process,
    webhook_sweep,
)

__all__ = ["orders_pull", "stock_reconcile", "stock_sync_task", "webhook_process", "webhook_sweep"]
