"""Normalising contact details, so one person's phone written five ways is one value.

Emails are trimmed and lower-cased; phones are parsed with ``phonenumbers`` (Vietnam as the
default region) and stored in E.164: ``0909 908 089``, ``84909908089`` and
``+84 909 908 089`` all become ``+84909908089``, also when typed in full-width characters.
Invalid input raises :class:`InvalidContactPoint` saying what is wrong.
"""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers.exceptions import InvalidContactPoint
from customers.models import ContactPoint

DEFAULT_REGION = "VN"
MAX_OPAQUE_ID_LENGTH = 200
PHONE_CHARACTERS = re.compile(r"^[\d\s().+\-/]+$")

_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: gettext_noop(
        "the country code is not valid (start with + and the country code, e.g. +84)"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: gettext_noop("it is not a phone number"),
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: gettext_noop("it is too short"),
    phonenumbers.NumberParseException.TOO_SHORT_NSN: gettext_noop("it is too short"),
    phonenumbers.NumberParseException.TOO_LONG: gettext_noop("it is too long"),
}


def _phone_error(value: str, reason: str) -> InvalidContactPoint:
    return InvalidContactPoint(
        _("“%(value)s” is not a valid phone number: %(reason)s.")
        % {"value": value, "reason": reason},
        fields={"phone": [_("Not a valid phone number: %(reason)s.") % {"reason": reason}]},
    )


def normalize_phone(value: str) -> str:
    """E.164 form of a phone number written in any common way; Vietnamese if no country code."""
    # NFKC folds the full-width forms that CJK and some Vietnamese input methods type
    # (FULLWIDTH PLUS SIGN U+FF0B, digits U+FF10-FF19, brackets, dashes, the ideographic
    # space) to their ASCII forms, so they read like the ones typed on any keyboard.
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        raise _phone_error(text, _("it is empty"))
    if not PHONE_CHARACTERS.match(text):
        raise _phone_error(text, _("it may contain only digits, spaces, dots, dashes and +"))
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise _phone_error(
            text, _(_PARSE_ERRORS.get(error.error_type, gettext_noop("it cannot be read")))
        ) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == phonenumbers.ValidationResult.TOO_SHORT:
        raise _phone_error(text, _("it is too short"))
    if possible == phonenumbers.ValidationResult.TOO_LONG:
        raise _phone_error(text, _("it is too long"))
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE or not phonenumbers.is_valid_number(
        number
    ):
        raise _phone_error(text, _("no such number exists in its country"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    text = (value or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError:
        raise InvalidContactPoint(
            _("“%(value)s” is not a valid email address.") % {"value": text},
            fields={"email": [_("Enter an email address such as ten@example.vn.")]},
        ) from None
    return text


def normalize_opaque_id(value: str, *, field: str) -> str:
    """Zalo user ids, Messenger PSIDs and marketplace buyer ids: kept as given, trimmed."""
    text = (value or "").strip()
    if not text or len(text) > MAX_OPAQUE_ID_LENGTH or any(char.isspace() for char in text):
        raise InvalidContactPoint(
            _("The %(field)s must be 1 to 200 characters without spaces.") % {"field": field},
            fields={field: [_("1 to 200 characters without spaces.")]},
        )
    return text


def normalize_contact(kind: str, value: str) -> str:
    if kind == ContactPoint.Kind.EMAIL:
        return normalize_email(value)
    if kind == ContactPoint.Kind.PHONE:
        return normalize_phone(value)
    return normalize_opaque_id(value, field=kind)


def looks_like_email(text: str) -> bool:
    return "@" in text


def search_term_contact(text: str) -> tuple[str, str] | None:
    """For searches: the (kind, normalised value) a typed term stands for, if it is one."""
    text = (text or "").strip()
    try:
        if looks_like_email(text):
            return ContactPoint.Kind.EMAIL, normalize_email(text)
        if sum(char.isdigit() for char in text) >= 8:
            return ContactPoint.Kind.PHONE, normalize_phone(text)
    except InvalidContactPoint:
        return None
    return None


def contact_masked(kind: str, value: str) -> str:
    """A contact shown to staff who may not read it in full: enough to tell two apart.

    ``+84909908089`` → ``090****089`` (the national form, first and last three digits);
    ``hoa.nguyen@gmail.com`` → ``h***@gmail.com``; other ids keep two characters each end.
    """
    value = value or ""
    if kind == ContactPoint.Kind.PHONE:
        try:
            number = phonenumbers.parse(value, DEFAULT_REGION)
            digits = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        except phonenumbers.NumberParseException:
            digits = value
        digits = re.sub(r"\D", "", digits)
        if len(digits) <= 6:
            return "*" * len(digits)
        return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"
    if kind == ContactPoint.Kind.EMAIL and "@" in value:
        local, _at, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(value) <= 6:
        return "***"
    return f"{value[:2]}***{value[-2:]}"
