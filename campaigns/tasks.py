"""Thin Celery tasks of the campaigns app."""

from celery import shared_task

from campaigns.services import attribution_consume_all


@shared_task
def attribution_consume() -> int:
    """Attribute the orders placed since the last run (beat, every minute); safe to overlap."""
    return attribution_consume_all()
