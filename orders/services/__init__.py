"""Writes of the orders app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from orders.services.numbers import order_number_next
from orders.services.shifts import (
    shift_cash_record,
    shift_close,
    shift_expected_amount,
    shift_open,
    shift_opening_float,
)
from orders.services.terminals import (
    terminal_create,
    terminal_mark_seen,
    terminal_revoke,
    terminal_token_rotate,
)
from orders.services.vouchers import (
    VoucherQuote,
    voucher_code_normalize,
    voucher_codes_generate,
    voucher_quote,
    voucher_redeem,
    voucher_release,
)

__all__ = [
    "VoucherQuote",
    "order_number_next",
    "shift_cash_record",
    "shift_close",
    "shift_expected_amount",
    "shift_open",
    "shift_opening_float",
    "terminal_create",
    "terminal_mark_seen",
    "terminal_revoke",
    "terminal_token_rotate",
    "voucher_code_normalize",
    "voucher_codes_generate",
    "voucher_quote",
    "voucher_redeem",
    "voucher_release",
]
