from celery import shared_task

from orders.services import orders_unpaid_expire


@shared_task(name="orders.tasks.expire_unpaid")
def expire_unpaid() -> int:
    """Beat job: cancel orders still unpaid past their due time. Safe to run twice."""
    return orders_unpaid_expire()
