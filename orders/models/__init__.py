from orders.marketplaces.models import (
    HeldOrder,
    Listing,
    MarketplaceShop,
    StockSyncLog,
    SyncCursor,
    WebhookEvent,
)
from orders.models.bundles import Bundle, BundleItem
from orders.models.carts import Cart, CartLine
from orders.models.discrepancies import PriceDiscrepancy
from orders.models.orders import Fulfilment, Order, OrderLine, OrderNumberSequence, Payment
from orders.models.quotes import Quote, QuoteLine
from orders.models.returns import Return, ReturnLine
from orders.models.rollups import (
    DailyChannelSales,
    DailySales,
    MonthlyChannelSales,
    MonthlySales,
)
from orders.models.shipping import ShippingRule
from orders.models.tills import CustomerLookup, Shift, ShiftCashMovement, StaffPin, Terminal
from orders.models.vouchers import Voucher, VoucherCode, VoucherRedemption

__all__ = [
    "Bundle",
    "BundleItem",
    "Cart",
    "CartLine",
    "CustomerLookup",
    "DailyChannelSales",
    "DailySales",
    "Fulfilment",
    "HeldOrder",
    "Listing",
    "MarketplaceShop",
    "MonthlyChannelSales",
    "MonthlySales",
    "Order",
    "OrderLine",
    "OrderNumberSequence",
    "Payment",
    "PriceDiscrepancy",
    "Quote",
    "QuoteLine",
    "Return",
    "ReturnLine",
    "Shift",
    "ShiftCashMovement",
    "ShippingRule",
    "StaffPin",
    "StockSyncLog",
    "SyncCursor",
    "Terminal",
    "Voucher",
    "VoucherCode",
    "VoucherRedemption",
    "WebhookEvent",
]
