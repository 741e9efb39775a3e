from rest_framework import serializers

from config.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class MoneyField(serializers.DecimalField):
    """A money amount as a string without trailing zeros: ``"1350000"`` for VND, ``"12.5"``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        kwargs.setdefault("normalize_output", True)
        super().__init__(**kwargs)


class StrictUUIDField(serializers.UUIDField):
    """A UUID sent as a JSON string, nothing else.

    DRF's UUIDField also takes integers, and JSON ``false``/``true`` as the integers 0 and 1:
    ``false`` became the nil UUID, one idempotency key shared by every terminal.
    """

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
