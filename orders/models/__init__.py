from orders.models.carts import Cart, CartLine
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.returns import Return, ReturnLine
from orders.models.shipping import ShippingRule
from orders.models.tills import Shift, ShiftCashMovement, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption

__all__ = [
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
    "ShippingRule",
    "Terminal",
    "Voucher",
    "VoucherCode",
    "VoucherRedemption",
]
