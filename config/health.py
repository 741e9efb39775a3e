"""``/healthz``: can this process reach the database and the broker, and are jobs running?"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from config.models import JobHeartbeat

logger = logging.getLogger(__name__)


def database_reachable() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.warning("health check: database unreachable", extra={"error": type(error).__name__})
        return False, type(error).__name__
    return True, ""


def broker_reachable() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            # One quick attempt: a health probe must answer fast, not wait for the broker.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as error:
        logger.warning("health check: broker unreachable", extra={"error": type(error).__name__})
        return False, type(error).__name__
    return True, ""


@never_cache
@require_GET
def healthz(request):
    database_ok, database_error = database_reachable()
    broker_ok, broker_error = broker_reachable()
    jobs = {}
    if database_ok:
        jobs = {
            beat.name: {"last_run_at": beat.last_run_at.isoformat(), "run_count": beat.run_count}
            for beat in JobHeartbeat.objects.all()
        }
    body = {
        "status": "ok" if database_ok and broker_ok else "unavailable",
        "database": {"ok": database_ok, **({"error": database_error} if database_error else {})},
        "broker": {
            "ok": broker_ok,
            "transport": celery_app.conf.broker_url.split("://", 1)[0],
            **({"error": broker_error} if broker_error else {}),
        },
        "jobs": jobs,
    }
    return JsonResponse(body, status=200 if database_ok and broker_ok else 503)
