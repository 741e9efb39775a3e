from orders.models.carts import Cart, CartLine
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.returns import Return, ReturnLine
from orders.models.tills import Shift, ShiftCashMovement, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption
from orders.marketplaces.models import (  # noqa: E402 (registered with the orders app)
    HeldOrder,
    Listing,
    MarketplaceShop,
    StockSyncLog,
    SyncCursor,
    WebhookEvent,
)

__all__ = [
    "HeldOrder",
    "Listing",
    "MarketplaceShop",
    "StockSyncLog",
    "SyncCursor",
    "WebhookEvent",
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
