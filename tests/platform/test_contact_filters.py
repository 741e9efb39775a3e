"""Phones and addresses the way people read them."""

import pytest
from django.template import Context, Template

from config.divisions import address_text


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+84912345678", "0912 345 678"),
        ("+842438261234", "024 3826 1234"),  # a Hà Nội landline
        ("+33142685300", "+33 1 42 68 53 00"),  # a foreign number keeps its country code
        ("0909908089", "0909 908 089"),
        ("not a phone", "not a phone"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_are_shown_in_the_national_format(stored, shown):
    rendered = Template("{% load contact %}{{ value|phone }}").render(Context({"value": stored}))

    assert rendered == shown


def test_an_address_on_the_2025_units_and_an_older_one_read_on_one_line():
    two_levels = {
        "line1": "12 Trần Thái Tông",
        "ward_code": "00167",
        "ward": "Phường Cầu Giấy",
        "province_code": "01",
        "province": "Thành phố Hà Nội",
    }
    three_levels = {
        "line1": "25 Hàng Giấy",
        "ward": "Phường Hàng Buồm",
        "district": "Quận Hoàn Kiếm",
        "city": "Hà Nội",
    }

    assert address_text(two_levels) == "12 Trần Thái Tông, Phường Cầu Giấy, Thành phố Hà Nội"
    assert address_text(three_levels) == "25 Hàng Giấy, Phường Hàng Buồm, Quận Hoàn Kiếm, Hà Nội"
    assert address_text({}) == "" and address_text(None) == ""
