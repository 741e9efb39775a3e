"""Money: ``Decimal`` amounts rounded to the currency's minor unit (VND has none)."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# ISO 4217 minor-unit exponents of the currencies a Vietnamese retailer meets.
MINOR_UNIT_EXPONENTS = {"VND": 0, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "CNY": 2, "THB": 2}
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2  # storage; amounts are rounded to the currency's own exponent
MAX_AMOUNT = 10**11  # 100 billion: far above any order or till, well inside the column


def money_round(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round half up to the currency's smallest unit (VND: whole đồng)."""
    exponent = MINOR_UNIT_EXPONENTS.get(currency, 2)
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def money_field(
    verbose_name=None, *, signed: bool = False, maximum: int | None = MAX_AMOUNT, **kwargs
) -> models.DecimalField:
    """A Decimal money column of every app; amounts are rounded to the currency's unit by
    the services. ``signed`` allows negative amounts (a till's difference); ``maximum=None``
    leaves out the upper bound (catalog prices, which never had one)."""
    validators = [MinValueValidator(-MAX_AMOUNT if signed else 0)]
    if maximum is not None:
        validators.append(MaxValueValidator(maximum))
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=validators,
        **kwargs,
    )
