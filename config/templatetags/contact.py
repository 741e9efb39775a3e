"""How people read contact details: ``{{ phone|phone }}`` and ``{{ address|address }}``.

Phones are stored in E.164 (``+84912345678``); a Vietnamese number is shown the way
Vietnamese people write it, in the national format (``0912 345 678``), and a foreign one in
the international format (``+33 1 42 68 53 00``). Text that is not a phone is shown as is.
"""

import phonenumbers
from django import template

from config import divisions

register = template.Library()

HOME_REGION = "VN"


@register.filter
def phone(value) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, HOME_REGION)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    if phonenumbers.region_code_for_number(number) == HOME_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def address(value) -> str:
    """The address on one line, two-level or as it was written before the 2025 reform."""
    return divisions.address_text(value)


@register.filter
def address_is_legacy(value) -> bool:
    return divisions.address_is_legacy(value)
