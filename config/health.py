"""``/healthz`` (liveness) and ``/readyz`` (readiness) for load balancers and monitors.

A web process serves sales, checkouts and log-ins without Redis (throttles fail open,
tasks wait for beat's sweep), so neither probe fails when the broker or the cache is
down: a load balancer must not pull every web node out because Redis is. Both answer 503
only when the database does not answer, because then nothing can be sold.

- ``/healthz``: the process answers and reaches the database; the broker's state and the
  jobs' heartbeats are reported in the body (``status`` ``ok`` or ``degraded``).
- ``/readyz``: the same, plus the cache; a monitor alerts on ``degraded``.
"""

import logging

from django.core.cache import cache
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


def cache_reachable() -> tuple[bool, str]:
    """Write and read back one key. The cache fails open (a miss), so a lost value is the
    only sign of an outage it gives."""
    try:
        cache.set("platform:readyz", "ok", timeout=10)
        ok = cache.get("platform:readyz") == "ok"
    except Exception as error:
        logger.warning("health check: cache unreachable", extra={"error": type(error).__name__})
        return False, type(error).__name__
    return ok, "" if ok else "no answer"


def _state(ok: bool, error: str, **extra) -> dict:
    return {"ok": ok, **extra, **({"error": error} if error else {})}


def _probe(*, with_cache: bool) -> JsonResponse:
    database_ok, database_error = database_reachable()
    broker_ok, broker_error = broker_reachable()
    body = {
        "status": "ok",
        "database": _state(database_ok, database_error),
        "broker": _state(
            broker_ok, broker_error, transport=celery_app.conf.broker_url.split("://", 1)[0]
        ),
    }
    others_ok = broker_ok
    if with_cache:
        cache_ok, cache_error = cache_reachable()
        body["cache"] = _state(cache_ok, cache_error)
        others_ok = others_ok and cache_ok
    body["jobs"] = {}
    if database_ok:
        body["jobs"] = {
            beat.name: {"last_run_at": beat.last_run_at.isoformat(), "run_count": beat.run_count}
            for beat in JobHeartbeat.objects.all()
        }
    if not database_ok:
        body["status"] = "unavailable"
    elif not others_ok:
        body["status"] = "degraded"
    return JsonResponse(body, status=200 if database_ok else 503)


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 while the database answers, whatever Redis does."""
    return _probe(with_cache=False)


@never_cache
@require_GET
def readyz(request):
    """Readiness: 200 while the database answers; the broker and the cache are reported."""
    return _probe(with_cache=True)
