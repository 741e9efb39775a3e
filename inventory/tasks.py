from celery import shared_task

from inventory.services import reservation_expire_due


@shared_task(name="inventory.tasks.expire_holds")
def expire_holds() -> int:
    """Beat job, every minute: release checkout holds past their expiry. Safe to run twice."""
    return reservation_expire_due()
