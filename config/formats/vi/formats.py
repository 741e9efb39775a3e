"""How dates are written in Vietnamese on our pages: 30/11/2026 and 30/11/2026 14:05.

Django's own Vietnamese formats mix 30-11-2026 with "14:05 Ngày 30 tháng 11 năm 2026";
shoppers, receipts and couriers write days with slashes. Templates ask for
``SHORT_DATE_FORMAT`` (a day) or ``SHORT_DATETIME_FORMAT`` (a moment), never a pattern,
so each language writes them its own way.
"""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j/n"
YEAR_MONTH_FORMAT = "m/Y"
