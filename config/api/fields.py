from rest_framework import serializers

from config.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class MoneyField(serializers.DecimalField):
    """A money amount as a string without trailing zeros: ``"1350000"`` for VND, ``"12.5"``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        kwargs.setdefault("normalize_output", True)
        super().__init__(**kwargs)
