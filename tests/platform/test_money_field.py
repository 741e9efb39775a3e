"""Every app's money columns come from ``config.money.money_field``: the same column."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.money import MAX_AMOUNT, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, money_field
from inventory.models import Variant
from orders.models import Order, Shift


@pytest.mark.parametrize(
    "field",
    [
        Variant._meta.get_field("price_amount"),
        Order._meta.get_field("total_amount"),
        Shift._meta.get_field("counted_amount"),
    ],
    ids=["inventory", "orders", "orders-signed"],
)
def test_money_columns_of_every_app_have_one_shape(field):
    assert (field.max_digits, field.decimal_places) == (MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES)


def test_an_amount_is_bounded_unless_signed_or_uncapped():
    # given
    amount = money_field()
    signed = money_field(signed=True)
    uncapped = money_field(maximum=None)

    # then
    with pytest.raises(ValidationError):
        amount.run_validators(Decimal(-1))
    with pytest.raises(ValidationError):
        amount.run_validators(Decimal(MAX_AMOUNT + 1))
    signed.run_validators(Decimal(-1))
    with pytest.raises(ValidationError):
        uncapped.run_validators(Decimal(-1))
    uncapped.run_validators(Decimal(MAX_AMOUNT + 1))
