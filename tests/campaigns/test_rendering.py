import pytest
from django.core.exceptions import ValidationError

from campaigns.models import MessageTemplate
from campaigns.rendering import (
    fold_marks,
    render_part,
    sms_length,
    template_validate,
    template_variables,
)


def test_only_the_given_context_is_visible():
    # a template cannot reach settings, the request or the database: unknown names are empty
    assert render_part("{{ name }}|{{ settings }}|{{ request.user }}", {"name": "Hoa"}) == "Hoa||"


def test_variables_bound_by_for_and_with_are_not_unknown():
    source = (
        "{% for line in lines %}{{ line.name }} x{{ line.quantity }}{% endfor %}"
        "{% with total=order.total %}{{ total|default:fallback }}{% endwith %}"
        "{% if points > minimum %}{{ forloop.counter }}{% endif %}"
    )
    assert template_variables(source) == {"lines", "order", "fallback", "points", "minimum"}


def test_validation_lists_each_parts_problem():
    # given
    template = MessageTemplate(
        subject="{{ order }}",
        body="{{ name }} {{ code }}",
        html="<p>{% for %}</p>",
        sample_context={"name": "Hoa"},
    )

    # when
    with pytest.raises(ValidationError) as raised:
        template_validate(template=template)

    # then
    assert raised.value.message_dict == {
        "subject": ["Unknown variable(s) order: declare them in the sample context."],
        "body": ["Unknown variable(s) code: declare them in the sample context."],
        "html": ["Syntax error on line 1: 'for' statements should have at least four words: for"],
    }


def test_sample_context_must_be_an_object():
    template = MessageTemplate(body="Hi", sample_context=["name"])

    with pytest.raises(ValidationError) as raised:
        template_validate(template=template)

    assert list(raised.value.message_dict) == ["sample_context"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("a" * 306, ("GSM-7", 306, 2)),
        ("a" * 307, ("GSM-7", 307, 3)),
        ("{" * 80, ("GSM-7", 160, 1)),
        ("ă" * 70, ("UCS-2", 70, 1)),
        ("ă" * 71, ("UCS-2", 71, 2)),
        ("ă" * 135, ("UCS-2", 135, 3)),
    ],
)
def test_sms_segments(text, expected):
    length = sms_length(text)
    assert (length.encoding, length.characters, length.segments) == expected


def test_fold_marks_keeps_case_and_lines():
    assert fold_marks("Thịt Trâu GÁC BẾP\nĐà Lạt  đẹp") == "Thit Trau GAC BEP\nDa Lat  dep"
    assert sms_length(fold_marks("Cảm ơn bạn đã mua hàng")).encoding == "GSM-7"
