from orders.marketplaces.models import (
    HeldOrder,
    Listing,
    MarketplaceShop,
    StockSyncLog,
    SyncCursor,
    WebhookEvent,
)
from orders.models.carts import Cart, CartLine
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.returns import Return, ReturnLine
from orders.models.rollups import DailyChannelSales, DailySales
from orders.models.tills import Shift, ShiftCashMovement, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption

__all__ = [
    "Cart",
    "CartLine",
    "DailyChannelSales",
    "DailySales",
    "Fulfilment",
    "HeldOrder",
    "Listing",
    "MarketplaceShop",
    "Order",
    "OrderLine",
    "OrderNumberSequence",
    "Payment",
    "Return",
    "ReturnLine",
    "Shift",
    "ShiftCashMovement",
    "StockSyncLog",
    "SyncCursor",
    "Terminal",
    "Voucher",
    "VoucherCode",
    "VoucherRedemption",
    "WebhookEvent",
]
