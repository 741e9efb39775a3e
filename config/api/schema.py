"""OpenAPI post-processing shared by every app."""

# Django derives an integer field's maximum from the database backend (PostgreSQL's
# integer is 32-bit, SQLite's 64-bit), so the same code would describe itself differently
# on each. These limits say nothing about the API, so they are left out of the schema.
BACKEND_INTEGER_LIMITS = {2**15 - 1, 2**31 - 1, 2**63 - 1}


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
