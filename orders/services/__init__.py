"""Writes of the orders app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic)."""

from orders.services.checkout import (
    cart_get_or_create,
    cart_line_set,
    cart_merge,
    checkout_start,
    order_place,
)
from orders.services.lifecycle import (
    order_cancel,
    order_complete,
    order_confirm,
    order_pickup_hand_over,
    order_ready_for_pickup,
    order_ship,
)
from orders.services.marketplace import marketplace_order_ingest
from orders.services.numbers import order_number_next
from orders.services.payments import order_payment_card
from orders.services.pos import pos_sale_submit
from orders.services.returns import ReturnLineInput, order_return
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
from orders.services.unpaid import orders_unpaid_expire
from orders.services.vouchers import (
    VoucherQuote,
    voucher_code_normalize,
    voucher_codes_generate,
    voucher_first_order_code_issue,
    voucher_quote,
    voucher_redeem,
    voucher_release,
)

__all__ = [
    "ReturnLineInput",
    "VoucherQuote",
    "cart_get_or_create",
    "cart_line_set",
    "cart_merge",
    "checkout_start",
    "marketplace_order_ingest",
    "order_cancel",
    "order_complete",
    "order_confirm",
    "order_number_next",
    "order_payment_card",
    "order_pickup_hand_over",
    "order_place",
    "order_ready_for_pickup",
    "order_return",
    "order_ship",
    "orders_unpaid_expire",
    "pos_sale_submit",
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
    "voucher_first_order_code_issue",
    "voucher_quote",
    "voucher_redeem",
    "voucher_release",
]
