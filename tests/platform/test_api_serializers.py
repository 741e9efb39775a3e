"""Input serializers that copy their declared fields (config/api/serializers.py) answer
as DRF's own deep copies do, and no two instances, nor two threads, share a bound field."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from rest_framework import serializers

from config.api.serializers import CopiedFieldsSerializer
from orders.api.serializers import PosSaleInput

UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _sale(**changes) -> dict:
    return {
        "client_uuid": UUID,
        "lines": [{"sku": "MK-100G", "quantity": 2, "unit_price_amount": "85000"}],
        "payments": [{"method": "cash", "amount": "170000", "tendered_amount": "200000"}],
        "customer_id": 42,
        **changes,
    }


PAYLOADS = [
    _sale(),
    _sale(lines=[{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 3}], note="gói quà"),
    _sale(lines=[]),
    _sale(lines=[{"sku": "", "quantity": 0}, {"sku": "B", "quantity": "x"}]),
    _sale(payments=[{"method": "cheque", "amount": "-5"}]),
    _sale(client_uuid="not-a-uuid", points=-1, voucher_code="V" * 41),
    _sale(placed_at="1999-01-01T00:00:00Z", offline=True),
    {"lines": "three jars"},
    [],
]


def _answers(payloads) -> list:
    answers = []
    for payload in payloads:
        data = PosSaleInput(data=payload)
        answers.append(
            (data.is_valid(), data.errors, dict(data.validated_data) if not data.errors else {})
        )
    return answers


def test_answers_are_drfs_own_for_good_and_bad_input(db):
    # given: what DRF's deep-copying serializer answers
    with mock.patch.object(CopiedFieldsSerializer, "get_fields", serializers.Serializer.get_fields):
        expected = _answers(PAYLOADS)

    # when
    answers = _answers(PAYLOADS)

    # then: the same verdicts, values and errors, word for word
    assert answers == expected
    assert [valid for valid, _, _ in answers] == [True, True] + [False] * 7


def test_no_two_instances_share_a_bound_field():
    # given: something read a declared nested serializer's fields (a schema generator may)
    assert "sku" in PosSaleInput._declared_fields["lines"].child.fields

    # when
    first, second = PosSaleInput(data={}), PosSaleInput(data={})

    # then: each field, nested ones too, is its own, bound to its own serializer
    for name in PosSaleInput._declared_fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].root is first and second.fields[name].root is second
    lines, other_lines = first.fields["lines"].child, second.fields["lines"].child
    assert lines is not other_lines
    assert lines.fields["sku"] is not other_lines.fields["sku"]
    assert lines.fields["sku"].root is first
    assert lines.fields["sku"].parent is lines
    # and the declared fields stay unbound: nothing an instance did is left on them
    assert all(field.parent is None for field in PosSaleInput._declared_fields.values())
    assert PosSaleInput._declared_fields["lines"].child.fields["sku"].root is not first


def test_threads_validating_at_once_each_get_their_own_answer(db):
    # given: sales that differ per thread and per round, one in five invalid
    def payload(thread: int, round_: int) -> dict:
        quantity = 0 if round_ % 5 == 4 else thread * 100 + round_ % 5 + 1
        return _sale(
            client_uuid=str(uuid.UUID(int=thread * 1000 + round_)),
            lines=[{"sku": f"T{thread}-{round_}", "quantity": quantity}],
            note=f"thread {thread}",
        )

    def validate(thread: int) -> list[bool]:
        matched = []
        for round_ in range(200):
            sent = payload(thread, round_)
            data = PosSaleInput(data=sent)
            if data.is_valid():
                got = data.validated_data
                matched.append(
                    got["note"] == sent["note"]
                    and str(got["client_uuid"]) == sent["client_uuid"]
                    and got["lines"][0]["sku"] == sent["lines"][0]["sku"]
                    and got["lines"][0]["quantity"] == sent["lines"][0]["quantity"]
                )
            else:
                matched.append(sent["lines"][0]["quantity"] == 0 and list(data.errors) == ["lines"])
        return matched

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(validate, range(1, 9)))

    # then
    assert all(all(matched) for matched in results)
    assert sum(len(matched) for matched in results) == 1600
