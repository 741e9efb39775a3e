"""Writes of the inventory app (STYLE.md: ``<entity>_<action>``, keyword-only, atomic).

Orders and the admin call these; nothing else writes stock.
"""

from inventory.services.catalog import (
    category_upsert,
    product_image_add,
    product_search_text_refresh,
    product_upsert,
    variant_upsert,
)
from inventory.services.channels import (
    location_upsert,
    sales_channel_upsert,
    staff_membership_add,
)
from inventory.services.lines import StockLine
from inventory.services.receipts import (
    ReceiptLine,
    goods_receipt_post,
    supplier_upsert,
    variants_by_code,
)
from inventory.services.reservations import (
    reservation_convert,
    reservation_expire_due,
    reservation_release,
    stock_reserve,
    stock_sale_commit,
)
from inventory.services.sales import stock_sell
from inventory.services.stock import (
    stock_adjust,
    stock_count_record,
    stock_discrepancy_resolve,
    stock_offline_sale_record,
    stock_receive,
    stock_return_restock,
)
from inventory.services.transfers import stock_transfer_dispatch, stock_transfer_receive

__all__ = [
    "ReceiptLine",
    "StockLine",
    "category_upsert",
    "goods_receipt_post",
    "location_upsert",
    "product_image_add",
    "product_search_text_refresh",
    "product_upsert",
    "reservation_convert",
    "reservation_expire_due",
    "reservation_release",
    "sales_channel_upsert",
    "staff_membership_add",
    "stock_adjust",
    "stock_count_record",
    "stock_discrepancy_resolve",
    "stock_offline_sale_record",
    "stock_receive",
    "stock_reserve",
    "stock_return_restock",
    "stock_sale_commit",
    "stock_sell",
    "stock_transfer_dispatch",
    "stock_transfer_receive",
    "supplier_upsert",
    "variant_upsert",
    "variants_by_code",
]
