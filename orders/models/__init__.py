from orders.models.carts import Cart, CartLine
from orders.models.discrepancies import PriceDiscrepancy
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.returns import Return, ReturnLine
from orders.models.tills import Shift, ShiftCashMovement, StaffPin, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption

__all__ = [
    "Cart",
    "CartLine",
    "Fulfilment",
    "Order",
    "OrderLine",
    "OrderNumberSequence",
    "Payment",
    "PriceDiscrepancy",
    "Return",
    "ReturnLine",
    "Shift",
    "ShiftCashMovement",
    "StaffPin",
    "Terminal",
    "Voucher",
    "VoucherCode",
    "VoucherRedemption",
]
