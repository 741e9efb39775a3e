"""Staff screens of the orders app, one module per subject; importing them registers them."""

from orders.admin import marketplaces, orders, shipping, tills, vouchers

__all__ = ["marketplaces", "orders", "shipping", "tills", "vouchers"]
