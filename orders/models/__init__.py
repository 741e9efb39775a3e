from orders.models.bundles import Bundle, BundleItem
from orders.models.carts import Cart, CartLine
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.returns import Return, ReturnLine
from orders.models.tills import Shift, ShiftCashMovement, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption

__all__ = [
    "Bundle",
    "BundleItem",
    "Cart",
    "CartLine",
    "Fulfilment",
    "Order",
    "OrderLine",
    "OrderNumberSequence",
    "Payment",
    "Return",
    "ReturnLine",
    "Shift",
    "ShiftCashMovement",
    "Terminal",
    "Voucher",
    "VoucherCode",
    "VoucherRedemption",
]
