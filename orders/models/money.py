from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from config.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MAX_AMOUNT = 10**11  # 100 billion: far above any order or till, well inside the column


def money_field(*, signed: bool = False, **kwargs) -> models.DecimalField:
    """A Decimal money column; amounts are rounded to the currency's unit by the services."""
    return models.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        validators=[
            MinValueValidator(-MAX_AMOUNT if signed else 0),
            MaxValueValidator(MAX_AMOUNT),
        ],
        **kwargs,
    )
