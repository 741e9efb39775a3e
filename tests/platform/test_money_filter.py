from decimal import Decimal

import pytest
from django.utils import translation

from config.templatetags.money import money


@pytest.mark.parametrize(
    ("language", "amount", "expected"),
    [
        ("vi", Decimal("1350000"), "1.350.000\u00a0₫"),
        ("en", Decimal("1350000"), "₫1,350,000"),
        ("vi", Decimal("85000.4"), "85.000\u00a0₫"),
        ("vi", Decimal("0"), "0\u00a0₫"),
        ("en", Decimal("-50000"), "-₫50,000"),
    ],
)
def test_vnd_is_shown_the_way_shoppers_read_it(language, amount, expected):
    with translation.override(language):
        assert money(amount) == expected


def test_other_currencies_keep_their_cents():
    with translation.override("en"):
        assert money(Decimal("12.5"), "USD") == "$12.50"
