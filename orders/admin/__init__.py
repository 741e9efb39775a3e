"""Staff screens of the orders app, one module per subject; importing them registers them."""

from orders.admin import marketplaces, orders, tills, vouchers

__all__ = ["marketplaces", "orders", "tills", "vouchers"]
