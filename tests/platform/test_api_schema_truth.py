"""The committed OpenAPI schema tells the truth about errors, bodies and limits."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from config.api.fields import MoneyField
from config.api.schema import decimal_pattern

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
OPERATIONS = [
    (f"{method.upper()} {path}", operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]


def test_the_error_shape_is_a_component():
    error = SCHEMA["components"]["schemas"]["Error"]

    assert error["required"] == ["code", "detail", "fields"]
    assert set(error["properties"]) == {"code", "detail", "fields"}


@pytest.mark.parametrize(("name", "operation"), OPERATIONS, ids=[name for name, _ in OPERATIONS])
def test_every_operation_documents_its_errors_in_the_error_shape(name, operation):
    responses = operation["responses"]
    errors = {status for status in responses if status >= "400"}

    # every operation needs credentials, is throttled and can meet a database that is down
    assert {"401", "429", "503"} <= errors
    if "requestBody" in operation:
        assert {"400", "413", "415"} <= errors
    if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
        assert "404" in errors
    if name.startswith("POST"):
        assert "409" in errors
    for status in errors:
        response = responses[status]
        if "$ref" in response:
            response = SCHEMA["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        assert response["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        }, (name, status)


def test_staff_endpoints_document_403_and_terminal_endpoints_do_not():
    staff = SCHEMA["paths"]["/api/v1/locations/"]["get"]["responses"]
    till = SCHEMA["paths"]["/api/v1/pos/terminal/"]["get"]["responses"]

    assert "403" in staff
    assert "403" not in till


@pytest.mark.parametrize(("name", "operation"), OPERATIONS, ids=[name for name, _ in OPERATIONS])
def test_request_bodies_are_json_only(name, operation):
    if "requestBody" in operation:
        assert list(operation["requestBody"]["content"]) == ["application/json"]


def _decimal_patterns(node):
    if isinstance(node, dict):
        if node.get("format") == "decimal" and "pattern" in node:
            yield node["pattern"]
        for value in node.values():
            yield from _decimal_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _decimal_patterns(value)


def test_decimal_patterns_need_a_digit():
    patterns = set(_decimal_patterns(SCHEMA))

    assert len(patterns) >= 2  # money, with and without a sign
    for pattern in patterns:
        for empty in ["", "-", ".", "-."]:
            assert not re.match(pattern, empty), pattern


def test_the_limits_the_server_enforces_are_written_in():
    catalog = {p["name"]: p for p in SCHEMA["paths"]["/api/v1/pos/catalog/"]["get"]["parameters"]}
    products = {p["name"]: p for p in SCHEMA["paths"]["/api/v1/products/"]["get"]["parameters"]}

    assert catalog["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 5000}
    for name in ("min_price", "max_price"):
        assert products[name]["schema"] == {"type": "number", "minimum": 0, "maximum": 10**12}


FIELDS = [
    MoneyField(),
    MoneyField(min_value=Decimal(0)),
    serializers.DecimalField(max_digits=9, decimal_places=6),
    serializers.DecimalField(max_digits=5, decimal_places=0),
    serializers.DecimalField(max_digits=3, decimal_places=3),
]


@pytest.mark.parametrize("field", FIELDS, ids=repr)
@given(data=st.data())
def test_what_the_decimal_pattern_allows_the_field_accepts(field, data):
    # given: any string the schema allows
    text = data.draw(st.from_regex(decimal_pattern(field), fullmatch=True))

    # then: the field reads it
    assert isinstance(field.run_validation(text), Decimal)


@pytest.mark.parametrize("field", FIELDS, ids=repr)
def test_the_decimal_pattern_refuses_empty_and_signs(field):
    pattern = decimal_pattern(field)

    assert not any(re.match(pattern, text) for text in ["", "-", ".", "-.", "+1", " 1"])
    if field.min_value is not None:
        assert not re.match(pattern, "-1")


def test_request_bodies_say_what_drf_refuses_blank_or_empty_or_too_long():
    sale = SCHEMA["components"]["schemas"]["PosSaleInput"]["properties"]
    line = SCHEMA["components"]["schemas"]["SaleLineInput"]["properties"]

    assert (sale["lines"]["minItems"], sale["lines"]["maxItems"]) == (1, 500)
    assert (sale["payments"]["minItems"], sale["payments"]["maxItems"]) == (1, 10)
    assert line["sku"]["minLength"] == 1
    assert "minLength" not in sale["note"]  # allow_blank
