"""``{{ amount|money }}``: a price the way shoppers read it, in the active language.

Vietnamese: ``1.350.000 ₫``; English: ``₫1,350,000``. VND has no minor unit; other
currencies keep two decimals.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.translation import get_language

from config.money import MINOR_UNIT_EXPONENTS, money_round

register = template.Library()

SYMBOLS = {"VND": "₫", "USD": "$", "EUR": "€"}


@register.filter
def money(amount, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    currency = currency or settings.DEFAULT_CURRENCY
    try:
        value = money_round(Decimal(str(amount)), currency)
    except (InvalidOperation, ValueError):
        return ""
    places = MINOR_UNIT_EXPONENTS.get(currency, 2)
    grouped = f"{abs(value):,.{places}f}"  # 1,350,000.00 (English separators)
    symbol = SYMBOLS.get(currency, currency)
    sign = "-" if value < 0 else ""
    if (get_language() or "vi").startswith("vi"):
        vietnamese = grouped.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"{sign}{vietnamese}\u00a0{symbol}"
    return f"{sign}{symbol}{grouped}"
