"""Money: ``Decimal`` amounts rounded to the currency's minor unit (VND has none)."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor-unit exponents of the currencies a Vietnamese retailer meets.
MINOR_UNIT_EXPONENTS = {"VND": 0, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "CNY": 2, "THB": 2}
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2  # storage; amounts are rounded to the currency's own exponent


def money_round(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round half up to the currency's smallest unit (VND: whole đồng)."""
    exponent = MINOR_UNIT_EXPONENTS.get(currency, 2)
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
