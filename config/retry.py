"""A database conflict that a retry resolves is a 503 with ``Retry-After``, never a 500.

Locks are taken in one global order (docs/architecture.md), so two flows should never wait
on each other in a circle; if PostgreSQL still detects a deadlock, a serializable
transaction loses a race, or a lock is not granted within ``lock_timeout`` (SQLite: the
busy timeout runs out), the whole transaction was rolled back and nothing was written.
The client may simply send the same request again (every submission is idempotent), so
it is told so: ``{"code": "retry", ...}`` with ``Retry-After`` for the API, a short page
for the web store.
"""

import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
# SQLSTATEs: deadlock_detected, serialization_failure, lock_not_available.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def is_retryable(error: BaseException) -> bool:
    """Whether ``error`` is a database conflict that the same request, sent again, resolves."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(
        getattr(cause, "diag", None), "sqlstate", None
    )
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    # SQLite has no SQLSTATE: a writer that waited the whole busy timeout says this.
    return "database is locked" in str(error)


def retry_detail() -> str:
    return _("Another request was changing the same records; nothing was saved. Try again.")


def _log(request, error) -> None:
    logger.warning(
        "database conflict answered with 503 retry",
        extra={"path": request.path, "error": type(error.__cause__ or error).__name__},
    )


def api_retry_response(request, error) -> JsonResponse:
    _log(request, error)
    response = JsonResponse({"code": "retry", "detail": retry_detail(), "fields": {}}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def page_retry_response(request, error) -> HttpResponse:
    _log(request, error)
    response = HttpResponse(render_to_string("503.html", request=None), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RetryableDatabaseErrorMiddleware:
    """Answers a retryable database conflict from any view: JSON under ``/api/``, a page
    elsewhere. (DRF views already answer it in ``config.api.errors.exception_handler``.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_retryable(exception):
            return None
        if request.path.startswith("/api/"):
            return api_retry_response(request, exception)
        return page_retry_response(request, exception)
