from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from inventory.models import Reservation
from inventory.services import StockLine, reservation_convert, stock_reserve
from tests.factories import stocked
from tests.inventory.checks import assert_stock_invariants, figures


def registered_task(name):
    # What a worker does at start-up: import every app's tasks module.
    celery_app.loader.import_default_modules()
    return celery_app.tasks[name]


def test_beat_schedules_the_expiry_job_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["inventory-expire-holds"]

    assert entry["schedule"] == timedelta(minutes=1)
    assert registered_task(entry["task"]).name == "inventory.tasks.expire_holds"


def test_the_scheduled_task_releases_expired_holds_only(shop):
    # given: one hold past its expiry, one still fresh, one converted into an allocation
    level = stocked(shop.variant, shop.warehouse, 10)
    line = [StockLine(sku="MAC-KHEN-100", quantity=2)]
    stock_reserve(channel=shop.web, lines=line, reference="old", ttl=timedelta(minutes=15))
    stock_reserve(channel=shop.web, lines=line, reference="converted", ttl=timedelta(minutes=15))
    reservation_convert(reference="converted")
    Reservation.objects.filter(reference__in=["old", "converted"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    stock_reserve(channel=shop.web, lines=line, reference="fresh")

    # when: the task the beat entry names runs (as the worker would run it)
    task = registered_task(settings.CELERY_BEAT_SCHEDULE["inventory-expire-holds"]["task"])
    result = task.apply()

    # then
    assert result.get() == 1
    statuses = dict(Reservation.objects.values_list("reference", "status"))
    assert statuses == {"old": "expired", "converted": "active", "fresh": "active"}
    assert figures(level) == (10, 4)
    assert_stock_invariants()

    # and running it again changes nothing
    assert task.apply().get() == 0
