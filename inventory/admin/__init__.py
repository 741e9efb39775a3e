"""Staff screens of the inventory app, one module per subject; importing them registers them."""

from inventory.admin import catalog, stock, stock_records, stores
from inventory.admin.catalog import ProductAdmin

__all__ = ["ProductAdmin", "catalog", "stock", "stock_records", "stores"]
