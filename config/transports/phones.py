"""Phone numbers as each provider wants them written.

Callers hand transports E.164 numbers (``+84909908089``, the form ``customers`` stores).
ZNS wants ``84909908089``; SMS gateways differ (``84…``, ``+84…`` or the national
``0909908089``). A number that does not parse as a valid one is the caller's mistake and
never worth retrying: :class:`PermanentSendError`.
"""

from __future__ import annotations

import re

import phonenumbers

from config.transports.base import PermanentSendError

# "84": country code without the plus (ZNS, most Vietnamese gateways); "e164": +84…;
# "national": 0909908089.
STYLES = ("84", "e164", "national")


def phone_for_provider(number: str, style: str = "84") -> str:
    try:
        parsed = phonenumbers.parse(number, "VN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise PermanentSendError(f"not a valid phone number: {number!r}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if style == "e164":
        return e164
    if style == "national":
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        return re.sub(r"\D", "", national)
    if style == "84":
        return e164.removeprefix("+")
    raise ValueError(f"unknown phone style {style!r}: use one of {', '.join(STYLES)}")
