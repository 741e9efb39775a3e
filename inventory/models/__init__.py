"""Models of the inventory app, one module per subject (re-exported here)."""

from inventory.models.catalog import (
    Category,
    Product,
    ProductImage,
    Variant,
    gtin_checksum_is_valid,
    gtin_with_check_digit,
    in_active_language,
    validate_barcode,
)
from inventory.models.places import ChannelLocation, Location, SalesChannel, StaffMembership
from inventory.models.receipts import GoodsReceipt, GoodsReceiptLine, Supplier
from inventory.models.stock import (
    QUANTITY_LIMIT,
    Reservation,
    StockDiscrepancy,
    StockLevel,
    StockMovement,
    StockTransfer,
    StockTransferLine,
)

__all__ = [
    "QUANTITY_LIMIT",
    "Category",
    "ChannelLocation",
    "GoodsReceipt",
    "GoodsReceiptLine",
    "Location",
    "Product",
    "ProductImage",
    "Reservation",
    "SalesChannel",
    "StaffMembership",
    "StockDiscrepancy",
    "StockLevel",
    "StockMovement",
    "StockTransfer",
    "StockTransferLine",
    "Supplier",
    "Variant",
    "gtin_checksum_is_valid",
    "gtin_with_check_digit",
    "in_active_language",
    "validate_barcode",
]
