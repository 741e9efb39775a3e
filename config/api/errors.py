"""One error shape for the whole API: ``{"code": ..., "detail": ..., "fields": {...}}``.

``code`` is stable and machine-readable (``not_found``, ``invalid``, ``insufficient_stock``),
``detail`` is a sentence a person can act on, ``fields`` maps input fields to their messages
(empty when the error is not about one field). Domain exceptions raised by services
subclass :class:`DomainError` and come out in the same shape.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from config.retry import api_retry_response, is_retryable

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no. Subclasses set ``code`` and ``status_code``."""

    code = "domain_error"
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The request could not be completed.")

    def __init__(self, detail=None, *, fields: dict | None = None):
        self.detail = str(detail or self.default_detail)
        self.fields = fields or {}
        super().__init__(self.detail)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is larger than this server accepts.")


class ServiceUnavailable(exceptions.APIException):
    """The database is down, or the transaction lost a deadlock or serialization race."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = _("The service is briefly unavailable; send the same request again.")
    wait = 1  # DRF turns it into Retry-After


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"code": code, "detail": str(detail), "fields": fields or {}}


def exception_handler(exc, context):
    if is_retryable(exc):
        return api_retry_response(context["request"], exc)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, OperationalError | InterfaceError):
        # A lost connection, a deadlock or a serialization failure: nothing was committed,
        # and the same request (idempotent by its key) may be sent again.
        logger.warning("API request answered 503: %s", exc)
        exc = ServiceUnavailable()
    if isinstance(exc, RequestDataTooBig):  # DATA_UPLOAD_MAX_MEMORY_SIZE, read by DRF
        exc = PayloadTooLarge()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        detail, fields = _split_validation(exc.detail)
        response.data = error_body("invalid", detail, fields)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, _flatten(exc.detail))
    return response


def _split_validation(detail) -> tuple[str, dict]:
    """Turn DRF's nested error detail into a summary sentence and a ``fields`` mapping."""
    if isinstance(detail, dict):
        general = detail.get("non_field_errors") or detail.get("__all__") or []
        fields = {
            key: _plain(value)
            for key, value in detail.items()
            if key not in ("non_field_errors", "__all__")
        }
        if general:
            return _flatten(general), fields
        return str(_("Some fields are not valid; see fields.")), fields
    return _flatten(detail), {}


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value)


def _flatten(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_flatten(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    return str(detail)


def api_not_found(request, exception=None):
    """404 for URLs under /api/ that match no route, in the API's error shape."""
    return JsonResponse(error_body("not_found", _("No API endpoint at this address.")), status=404)


def api_bad_request(request, exception=None):
    """Django's own 400s under /api/ (a body over the upload limit is a 413) in our shape."""
    if isinstance(exception, RequestDataTooBig):
        error = PayloadTooLarge()
        return JsonResponse(error_body(error.default_code, error.detail), status=413)
    return JsonResponse(error_body("bad_request", _("The request could not be read.")), status=400)


def api_server_error(request):
    return JsonResponse(
        error_body("server_error", _("Something went wrong on our side; it has been logged.")),
        status=500,
    )
