"""OpenAPI generation shared by every app: what the schema says must be what the server does.

- :class:`AutoSchema` writes decimal patterns that need a digit (and no minus sign where the
  field refuses negatives).
- :func:`document_errors` adds the error responses each operation can give, all with the
  one error shape (component ``Error``), with the headers that come with them.
- :func:`drop_backend_integer_limits` keeps the schema the same on SQLite and PostgreSQL.
"""

from drf_spectacular import openapi
from rest_framework import serializers

# Django derives an integer field's maximum from the database backend (PostgreSQL's
# integer is 32-bit, SQLite's 64-bit), so the same code would describe itself differently
# on each. These limits say nothing about the API, so they are left out of the schema.
BACKEND_INTEGER_LIMITS = {2**15 - 1, 2**31 - 1, 2**63 - 1}


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and "pattern" in result:
            result["pattern"] = decimal_pattern(field)
        if direction == "request":
            _request_limits(field, result)
        return result


def _request_limits(field, result: dict) -> None:
    """What DRF refuses in a request that drf-spectacular leaves unsaid: a blank string where
    ``allow_blank`` is off, an empty list where ``allow_empty`` is off, a list longer than
    its ``max_length``."""
    string = result.get("type") == "string" and isinstance(field, serializers.CharField)
    if string and not field.allow_blank:
        result.setdefault("minLength", 1)
    lists = serializers.ListSerializer | serializers.ListField
    if result.get("type") == "array" and isinstance(field, lists):
        if field.min_length is not None:
            result.setdefault("minItems", field.min_length)
        if not field.allow_empty:
            result.setdefault("minItems", 1)
        if field.max_length is not None:
            result.setdefault("maxItems", field.max_length)


def decimal_pattern(field: serializers.DecimalField) -> str:
    """A decimal as DRF reads it: at least one digit (drf-spectacular's own pattern also
    matches "", "-" and "."), at most ``max_whole_digits`` before the point and
    ``decimal_places`` after it; a minus sign only where negatives are allowed."""
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    whole, places = field.max_whole_digits, field.decimal_places
    if not places:
        return rf"^{sign}\d{{1,{max(whole, 1)}}}$"
    if not whole:
        return rf"^{sign}0?\.\d{{1,{places}}}$"
    return rf"^{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"


# --- Error responses ----------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "properties": {
        "code": {
            "type": "string",
            "description": "Stable and machine-readable: `invalid`, `not_found`, "
            "`insufficient_stock`, `idempotency_conflict`…",
        },
        "detail": {"type": "string", "description": "A sentence a person can act on."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Input fields and their messages; empty when no field is at fault.",
        },
    },
    "required": ["code", "detail", "fields"],
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again.",
    }
}

ERRORS = {  # status: (component name, description, headers)
    "400": (
        "BadRequest",
        "The input is not valid (`invalid`, with `fields`; `parse_error` for "
        "a body that is not JSON or nests too deep), or a business rule refused it.",
        None,
    ),
    "401": (
        "Unauthorized",
        "No credentials, or credentials that are unknown or revoked "
        "(`not_authenticated`, `authentication_failed`).",
        {
            "WWW-Authenticate": {
                "schema": {"type": "string"},
                "required": True,
                "description": "The scheme to authenticate with.",
            }
        },
    ),
    "403": (
        "Forbidden",
        "Logged in, but without the permission this needs (`permission_denied`).",
        None,
    ),
    "404": (
        "NotFound",
        "No such object for the caller (`not_found` or a domain code): an "
        "unknown id, code or phone, another store's object, or a page past the end.",
        None,
    ),
    "409": (
        "Conflict",
        "The request conflicts with the state of things: "
        "`idempotency_conflict` (the key was used for another body), `insufficient_stock`, "
        "a closed shift, a status that cannot change so…",
        None,
    ),
    "413": (
        "PayloadTooLarge",
        "The body is larger than the server accepts (`payload_too_large`).",
        None,
    ),
    "415": (
        "UnsupportedMediaType",
        "The body is not `application/json` (`unsupported_media_type`).",
        None,
    ),
    "429": (
        "TooManyRequests",
        "Too many requests (`throttled`); wait `Retry-After` seconds.",
        RETRY_AFTER,
    ),
    "503": (
        "ServiceUnavailable",
        "The database is unavailable or the transaction lost a race "
        "with another (`service_unavailable`); send the same request again after "
        "`Retry-After` seconds.",
        RETRY_AFTER,
    ),
}

WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """Give each operation the error responses it can answer, in the ``Error`` shape.

    What an operation can give follows from its shape: a body or query parameters can be
    invalid (400), a body can be too large or not JSON (413, 415), an id in the path, a
    paginated page or an id in a written body can name nothing (404), a write can conflict
    (409), staff sessions can lack a permission (403); every operation needs credentials
    (401), is throttled (429) and can meet a database that is down or a lost race (503).
    Responses a view declares itself (``OpenApiResponse(description=...)``) keep their
    description and get the ``Error`` body.
    """
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    shared = components.setdefault("responses", {})
    for name, description, headers in ERRORS.values():
        shared[name] = _error_response(description, headers)
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method in WRITE_METHODS | {"get", "head"}:
                _document_operation_errors(method, operation)
    return result


def _error_response(description: str, headers: dict | None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _document_operation_errors(method: str, operation: dict) -> None:
    parameters = operation.get("parameters", [])
    query = [p for p in parameters if p.get("in") == "query"]
    in_path = [p for p in parameters if p.get("in") == "path"]
    body = "requestBody" in operation
    security = operation.get("security", [])
    schemes = {name for requirement in security for name in requirement}
    anonymous = not security or {} in security

    statuses = {"503", "429"}
    if query or body:
        statuses.add("400")
    if not anonymous:
        statuses.add("401")
    if "cookieAuth" in schemes:
        statuses.add("403")
    if in_path or body or any(p["name"] == "page" for p in query):
        statuses.add("404")
    if method in WRITE_METHODS:
        statuses.add("409")
    if body:
        statuses |= {"413", "415"}

    responses = operation.setdefault("responses", {})
    for status in sorted(statuses | {code for code in responses if code in ERRORS}):
        name, _description, headers = ERRORS[status]
        declared = responses.get(status, {}).get("description")
        if declared:  # the view said more precisely when it answers so
            responses[status] = _error_response(declared, headers)
        else:
            responses[status] = {"$ref": f"#/components/responses/{name}"}


def drop_backend_integer_limits(result, generator, request, public):
    _walk(result)
    return result


def _walk(node):
    if isinstance(node, dict):
        limited = node.get("type") == "integer" and node.get("maximum") in BACKEND_INTEGER_LIMITS
        if limited and node.pop("maximum") == 2**63 - 1 and node.get("format") == "int64":
            node.pop("format")
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)
